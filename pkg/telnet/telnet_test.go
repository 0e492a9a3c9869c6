package telnet

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

func TestFilter(t *testing.T) {
	for _, tt := range []struct {
		in, data, answers string
	}{
		{"hello", "hello", ""},
		// DO ECHO -> WONT ECHO; WILL SGA -> DONT SGA; DONT and WONT
		// are not answered.
		{"\xff\xfd\x01login: ", "login: ", "\xff\xfc\x01"},
		{"a\xff\xfb\x03b\xff\xfe\x05\xff\xfc\x06c", "abc", "\xff\xfe\x03"},
		{"x\xff\xffy", "x\xffy", ""},
		{"\xff\xfa\x18\x01\xff\xf0after", "after", ""},
		{"\xff\xfa\x18\xff\xff\x01\xff\xf0z", "z", ""},
		{"\xff\xf1nop", "nop", ""},
	} {
		for name, r := range map[string]io.Reader{
			"whole":   bytes.NewReader([]byte(tt.in)),
			"onebyte": iotest.OneByteReader(bytes.NewReader([]byte(tt.in))),
		} {
			var ans bytes.Buffer
			got, err := io.ReadAll(NewFilter(r, &ans))
			if err != nil || string(got) != tt.data || ans.String() != tt.answers {
				t.Errorf("%s %q: data %q answers %q (%v); want %q, %q", name, tt.in, got, ans.String(), err, tt.data, tt.answers)
			}
		}
	}
}

func FuzzFilter(f *testing.F) {
	f.Add([]byte("\xff\xfd\x01a\xff\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var ans bytes.Buffer
		got, err := io.ReadAll(NewFilter(iotest.HalfReader(bytes.NewReader(in)), &ans))
		if err != nil || len(got) > len(in) || ans.Len()%3 != 0 {
			t.Fatalf("%q: data %q answers %q, %v", in, got, ans.Bytes(), err)
		}
		if bytes.IndexByte(in, iac) < 0 && !bytes.Equal(got, in) {
			t.Fatalf("plain data changed: %q -> %q", in, got)
		}
	})
}
