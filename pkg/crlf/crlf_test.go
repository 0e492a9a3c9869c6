package crlf

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

func TestReader(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\r\nb", "a\r\nb"},
		{"\n\n", "\r\n\r\n"},
		{"\r\r\n\r", "\r\r\n\r"},
		{"x\ry\nz", "x\ry\r\nz"},
	} {
		// One byte at a time: a CR LF split across reads stays CR LF.
		for name, r := range map[string]io.Reader{
			"whole":   bytes.NewReader([]byte(tt.in)),
			"onebyte": iotest.OneByteReader(bytes.NewReader([]byte(tt.in))),
		} {
			got, err := io.ReadAll(NewReader(r))
			if err != nil || string(got) != tt.want {
				t.Errorf("%s %q: got %q, %v; want %q", name, tt.in, got, err, tt.want)
			}
		}
	}
}

// TestSmallBuffer: output longer than the caller's buffer is kept, not lost,
// and the source's error comes after it.
func TestSmallBuffer(t *testing.T) {
	r := NewReader(iotest.DataErrReader(bytes.NewReader([]byte("\n\n\n\n"))))
	var got []byte
	buf := make([]byte, 3)
	for {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if string(got) != "\r\n\r\n\r\n\r\n" {
		t.Fatalf("got %q", got)
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("a\nb\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := io.ReadAll(NewReader(iotest.HalfReader(bytes.NewReader(in))))
		if err != nil {
			t.Fatal(err)
		}
		want := bytes.ReplaceAll(bytes.ReplaceAll(in, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		// Only bare LFs gain a CR: removing every CR LF's CR and adding
		// one before every LF gives the same.
		if !bytes.Equal(got, want) {
			t.Fatalf("%q -> %q, want %q", in, got, want)
		}
	})
}
