package hexdump

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The golden dumps are what ncat 7.93 wrote with -x for the same chunks.
func TestAppendMatchesNcat(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"reply-from-server\n",
			"0000   72 65 70 6c 79 2d 66 72  6f 6d 2d 73 65 72 76 65  reply-from-serve\n" +
				"0010   72 0a                                             r.              \n"},
		{"hello world 1234567890\x01\xff end",
			"0000   68 65 6c 6c 6f 20 77 6f  72 6c 64 20 31 32 33 34  hello.world.1234\n" +
				"0010   35 36 37 38 39 30 01 ff  20 65 6e 64              567890...end    \n"},
		{"", ""},
		{"12345678",
			"0000   31 32 33 34 35 36 37 38                           12345678        \n"},
	} {
		if got := string(Append(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("%q:\ngot\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
}

var lineRE = regexp.MustCompile(`^[0-9a-f]{4,}   ((?:[0-9a-f]{2} |   ){8}) ((?:[0-9a-f]{2} |   ){8}) (.{16})$`)

func FuzzAppend(f *testing.F) {
	f.Add([]byte("hello\x00\xff"))
	f.Fuzz(func(t *testing.T, p []byte) {
		out := string(Append(nil, p))
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(p) == 0 {
			if out != "" {
				t.Fatalf("empty chunk dumped as %q", out)
			}
			return
		}
		if len(lines) != (len(p)+15)/16 {
			t.Fatalf("%d lines for %d bytes", len(lines), len(p))
		}
		for i, l := range lines {
			m := lineRE.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("line %q does not match the layout", l)
			}
			chunk := p[i*16 : min(i*16+16, len(p))]
			for j, c := range []byte(strings.TrimRight(m[3], " ")) {
				if j >= len(chunk) {
					t.Fatalf("line %q: extra characters", l)
				}
				if b := chunk[j]; b > ' ' && b <= '~' && c != b || (b <= ' ' || b > '~') && c != '.' {
					t.Fatalf("line %q: column %d shows %q for byte %#x", l, j, c, b)
				}
			}
		}
	})
}

func TestDumperConcurrent(t *testing.T) {
	var buf bytes.Buffer
	d := New(&buf)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				d.Dump([]byte("0123456789abcdefXYZ"))
			}
		}()
	}
	wg.Wait()
	want := string(Append(nil, []byte("0123456789abcdefXYZ")))
	if got := buf.String(); got != strings.Repeat(want, 800) {
		t.Fatal("chunks interleaved")
	}
}
