package rawterm

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestEscapeReader(t *testing.T) {
	for _, tt := range []struct {
		name, in, out string
		quit          bool
		help          bool
	}{
		{"plain", "ls -l\r", "ls -l\r", false, false},
		{"quit at start", "~.", "", true, false},
		{"quit after enter", "ls\r~.rest", "ls\r", true, false},
		{"quit after lf", "ls\n~.", "ls\n", true, false},
		{"not at line start", "a~.b", "a~.b", false, false},
		{"double sends one", "~~.x", "~.x", false, false},
		{"double then not at start", "\r~~~.", "\r~~.", false, false},
		{"other key sends both", "~x\r~.", "~x\r", true, false},
		{"escape then enter", "~\r~.", "~\r", true, false},
		{"held at eof", "ab\r~", "ab\r~", false, false},
		{"help stays at start", "~?~.", "", true, true},
		{"no help writer", "~?~.", "~?~.", false, false},
		{"binary", "\x00\x03\x1a\x1b[A\t", "\x00\x03\x1a\x1b[A\t", false, false},
	} {
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"whole":   func(r io.Reader) io.Reader { return r },
			"onebyte": iotest.OneByteReader,
		} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				var help bytes.Buffer
				opt := EscapeOptions{}
				if tt.help {
					opt.Help = &help
				}
				got, err := io.ReadAll(NewEscapeReader(wrap(strings.NewReader(tt.in)), opt))
				if string(got) != tt.out {
					t.Errorf("sent %q; want %q", got, tt.out)
				}
				if quit := errors.Is(err, ErrQuit); quit != tt.quit || (!quit && err != nil) {
					t.Errorf("err = %v; want quit %v", err, tt.quit)
				}
				if tt.help != strings.Contains(help.String(), "~.   - quit\r\n") {
					t.Errorf("help %q", help.String())
				}
			})
		}
	}
}

func TestEscapeChar(t *testing.T) {
	got, err := io.ReadAll(NewEscapeReader(strings.NewReader("~.\r%%\r%."), EscapeOptions{Char: '%'}))
	if string(got) != "~.\r%\r" || !errors.Is(err, ErrQuit) {
		t.Errorf("got %q, %v", got, err)
	}
}

// TestEscapeSmallBuffer: filtered keys that do not fit are kept for the
// next Read.
func TestEscapeSmallBuffer(t *testing.T) {
	r := NewEscapeReader(strings.NewReader("~x~y"), EscapeOptions{})
	var got []byte
	p := make([]byte, 1)
	for {
		n, err := r.Read(p)
		got = append(got, p[:n]...)
		if err != nil {
			break
		}
	}
	if string(got) != "~x~y" {
		t.Errorf("got %q", got)
	}
}

func FuzzEscapeReader(f *testing.F) {
	f.Add([]byte("ls\r~.x"), byte(0))
	f.Add([]byte("~~~?~x\n~"), byte('%'))
	f.Fuzz(func(t *testing.T, in []byte, ch byte) {
		got, err := io.ReadAll(NewEscapeReader(iotest.HalfReader(bytes.NewReader(in)), EscapeOptions{Char: ch}))
		if err != nil && !errors.Is(err, ErrQuit) {
			t.Fatal(err)
		}
		if ch == 0 {
			ch = DefaultEscape
		}
		if len(got) > len(in) {
			t.Fatalf("%q -> %q: longer", in, got)
		}
		if bytes.IndexByte(in, ch) < 0 && (!bytes.Equal(got, in) || err != nil) {
			t.Fatalf("%q without escapes -> %q, %v", in, got, err)
		}
	})
}
