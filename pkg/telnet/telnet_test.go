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
	f.Add([]byte("\xff\xfd\x01a\xff\xff"), byte(0))
	f.Add([]byte("\xff\xfb\x1f\xff\xfa\x1f\x00\xff\xff\x01\x00\xff\xf0a\r\x00b"), byte(3))
	f.Add([]byte("\xff\xfd\x1f\xff\xfe\x1f\xff\xfd\x1f"), byte(4))
	f.Fuzz(func(t *testing.T, in []byte, mode byte) {
		// mode picks the Config: 1 NAWS server, 2 terminal, 4 NAWS client.
		var cfg Config
		if mode&1 != 0 {
			cfg.OnWindowSize = func(w, h uint16) {}
		}
		cfg.Terminal = mode&2 != 0
		if mode&4 != 0 {
			cfg.WindowSize = func() (uint16, uint16) { return 0xff, 24 }
		}
		var ans bytes.Buffer
		fl := New(iotest.HalfReader(bytes.NewReader(in)), &ans, cfg)
		if err := fl.Offer(); err != nil {
			t.Fatal(err)
		}
		fl.Resize(80, 0xffff)
		got, err := io.ReadAll(fl)
		if err != nil || len(got) > len(in) {
			t.Fatalf("%q: data %q, %v", in, got, err)
		}
		if !wellFormed(ans.Bytes()) {
			t.Fatalf("%q: answers %q are not telnet commands", in, ans.Bytes())
		}
		if mode&7 == 0 && ans.Len()%3 != 0 {
			t.Fatalf("%q: answers %q", in, ans.Bytes())
		}
		if bytes.IndexByte(in, iac) < 0 {
			want := in
			if cfg.Terminal {
				want = enterAsCR(in)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("plain data changed: %q -> %q", in, got)
			}
		}
	})
}

// enterAsCR drops the LF or NUL of each CR LF and CR NUL (RFC 854's ends
// of line); a CR that ends one is not the start of another.
func enterAsCR(b []byte) []byte {
	var out []byte
	cr := false
	for _, c := range b {
		if cr && (c == '\n' || c == 0) {
			cr = false
			continue
		}
		cr = c == '\r'
		out = append(out, c)
	}
	return out
}

// wellFormed says whether b is a sequence of negotiations and NAWS
// subnegotiations.
func wellFormed(b []byte) bool {
	for len(b) > 0 {
		switch {
		case len(b) >= 3 && b[0] == iac && b[1] >= will && b[1] <= dont:
			b = b[3:]
		case len(b) >= 3 && b[0] == iac && b[1] == sb && b[2] == optNAWS:
			b = b[3:]
			for n := 0; n < 4; n++ {
				if len(b) == 0 {
					return false
				}
				if b[0] == iac {
					if len(b) < 2 || b[1] != iac {
						return false
					}
					b = b[1:]
				}
				b = b[1:]
			}
			if len(b) < 2 || b[0] != iac || b[1] != se {
				return false
			}
			b = b[2:]
		default:
			return false
		}
	}
	return true
}

// FuzzEscaper: what an Escaper sends, a Filter reads back unchanged.
func FuzzEscaper(f *testing.F) {
	f.Add([]byte("a\xff\xfd\x01b"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var ans bytes.Buffer
		got, err := io.ReadAll(NewFilter(iotest.HalfReader(NewEscaper(iotest.OneByteReader(bytes.NewReader(in)))), &ans))
		if err != nil || !bytes.Equal(got, in) || ans.Len() != 0 {
			t.Fatalf("%q -> %q (answers %q), %v", in, got, ans.Bytes(), err)
		}
	})
}

// FuzzNAWS: a size sent by a client filter is the size a server filter
// reports.
func FuzzNAWS(f *testing.F) {
	f.Add(uint16(80), uint16(24))
	f.Add(uint16(0xffff), uint16(0xff))
	f.Fuzz(func(t *testing.T, w, h uint16) {
		in := append([]byte{iac, will, optNAWS}, AppendNAWS(nil, w, h)...)
		var got []uint16
		fl := New(bytes.NewReader(in), io.Discard, Config{OnWindowSize: func(w, h uint16) { got = append(got, w, h) }})
		fl.Offer()
		if _, err := io.ReadAll(fl); err != nil || len(got) != 2 || got[0] != w || got[1] != h {
			t.Fatalf("%dx%d: reported %v, %v", w, h, got, err)
		}
	})
}
