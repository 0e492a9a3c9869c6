package telnet

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type size struct{ w, h uint16 }

// server runs a NAWS and terminal server filter over in and returns the
// data, the answers (after Offer's) and the sizes reported.
func server(t *testing.T, in string, wrap func(io.Reader) io.Reader) (string, string, []size) {
	t.Helper()
	var ans bytes.Buffer
	var sizes []size
	f := New(wrap(strings.NewReader(in)), &ans, Config{
		OnWindowSize: func(w, h uint16) { sizes = append(sizes, size{w, h}) },
		Terminal:     true,
	})
	if err := f.Offer(); err != nil {
		t.Fatal(err)
	}
	offer := "\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03" // DO NAWS, WILL ECHO, WILL SGA
	if got := ans.String(); got != offer {
		t.Fatalf("offer %q; want %q", got, offer)
	}
	ans.Reset()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(data), ans.String(), sizes
}

func TestNAWSServer(t *testing.T) {
	for _, tt := range []struct {
		name, in, data, answers string
		sizes                   []size
	}{
		// inetutils telnet's answer to the offer, then keys.
		{"accept", "\xff\xfb\x1f\xff\xfa\x1f\x00\x65\x00\x21\xff\xf0\xff\xfd\x01\xff\xfd\x03ls\r\x00",
			"ls\r", "", []size{{101, 33}}},
		// 255 columns: the 0xff byte is doubled.
		{"iac doubled", "\xff\xfb\x1f\xff\xfa\x1f\x00\xff\xff\x01\x00\xff\xf0x",
			"x", "", []size{{255, 256}}},
		{"resizes", "\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0a\xff\xfa\x1f\x00\x84\x00\x32\xff\xf0b",
			"ab", "", []size{{80, 24}, {132, 50}}},
		// A size before the WILL answers our DO well enough.
		{"sb first", "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\xff\xfb\x1f", "", "", []size{{80, 24}}},
		// Refused: no answer to the answer, and a later size is ignored.
		{"refused", "\xff\xfc\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0z", "z", "", nil},
		{"refused echo", "\xff\xfe\x01\xff\xfe\x03", "", "", nil},
		// Enabled then disabled by the client: acknowledged once.
		{"disabled", "\xff\xfb\x1f\xff\xfc\x1f\xff\xfc\x1f", "", "\xff\xfe\x1f", nil},
		// Short or long subnegotiations are not sizes.
		{"bad length", "\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\xff\xf0\xff\xfa\x1f\x00\x50\x00\x18\x00\xff\xf0",
			"", "", nil},
		// Other options are refused as before.
		{"others", "\xff\xfb\x18\xff\xfd\x05", "", "\xff\xfe\x18\xff\xfc\x05", nil},
		// The client's SGA is welcome on a terminal.
		{"client sga", "\xff\xfb\x03", "", "\xff\xfd\x03", nil},
		// Enter as CR LF or CR NUL is the terminal's CR; other CRs stay.
		{"crlf", "a\r\nb\r\x00c\rd\r\r\n", "a\rb\rc\rd\r\r", "", nil},
	} {
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"whole":   func(r io.Reader) io.Reader { return r },
			"onebyte": iotest.OneByteReader,
		} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				data, ans, sizes := server(t, tt.in, wrap)
				if data != tt.data || ans != tt.answers || !equalSizes(sizes, tt.sizes) {
					t.Errorf("data %q answers %q sizes %v; want %q %q %v", data, ans, sizes, tt.data, tt.answers, tt.sizes)
				}
			})
		}
	}
}

func equalSizes(a, b []size) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNoOfferNoNAWS: without OnWindowSize a server neither offers nor
// accepts NAWS, and ignores sizes.
func TestNoOfferNoNAWS(t *testing.T) {
	var ans bytes.Buffer
	f := New(strings.NewReader("\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0q"), &ans, Config{})
	if err := f.Offer(); err != nil || ans.Len() != 0 {
		t.Fatalf("zero Config offered %q (%v)", ans.Bytes(), err)
	}
	data, _ := io.ReadAll(f)
	if string(data) != "q" || ans.String() != "\xff\xfe\x1f" {
		t.Errorf("data %q answers %q", data, ans.Bytes())
	}
}

// chunks is a reader that returns one chunk per Read.
type chunks [][]byte

func (c *chunks) Read(p []byte) (int, error) {
	if len(*c) == 0 {
		return 0, io.EOF
	}
	n := copy(p, (*c)[0])
	(*c)[0] = (*c)[0][n:]
	if len((*c)[0]) == 0 {
		*c = (*c)[1:]
	}
	return n, nil
}

// TestNAWSClient: the size goes out only after the server's DO.
func TestNAWSClient(t *testing.T) {
	in := &chunks{}
	var ans bytes.Buffer
	w, h := uint16(80), uint16(24)
	f := New(in, &ans, Config{WindowSize: func() (uint16, uint16) { return w, h }})
	if err := f.Offer(); err != nil || ans.Len() != 0 {
		t.Fatalf("a client offered %q (%v)", ans.Bytes(), err)
	}
	if err := f.Resize(100, 30); err != nil || ans.Len() != 0 {
		t.Fatalf("Resize before DO sent %q (%v)", ans.Bytes(), err)
	}
	// step feeds the server's bytes and checks what the client sent.
	step := func(server, data, answer string) {
		t.Helper()
		*in = append(*in, []byte(server))
		p := make([]byte, 64)
		n, err := f.Read(p)
		if string(p[:n]) != data || ans.String() != answer || (err != nil && err != io.EOF) {
			t.Fatalf("after %q: data %q answers %q (%v); want %q %q", server, p[:n], ans.Bytes(), err, data, answer)
		}
		ans.Reset()
	}
	w, h = 255, 40
	step("\xff\xfd\x1fA", "A", "\xff\xfb\x1f\xff\xfa\x1f\x00\xff\xff\x00\x28\xff\xf0")
	step("\xff\xfd\x1fB", "B", "") // DO again: no answer
	if err := f.Resize(132, 50); err != nil {
		t.Fatal(err)
	}
	if want := "\xff\xfa\x1f\x00\x84\x00\x32\xff\xf0"; ans.String() != want {
		t.Fatalf("Resize sent %q; want %q", ans.Bytes(), want)
	}
	ans.Reset()
	step("\xff\xfe\x1fC", "C", "\xff\xfc\x1f") // DONT NAWS: acknowledged
	if err := f.Resize(1, 1); err != nil || ans.Len() != 0 {
		t.Fatalf("Resize after DONT sent %q (%v)", ans.Bytes(), err)
	}
	step("\xff\xfe\x1fD", "D", "") // DONT again: no answer
	// Terminal options are refused as ever.
	step("\xff\xfb\x01\xff\xfd\x01E", "E", "\xff\xfe\x01\xff\xfc\x01")
}

// TestAppendNAWS covers IAC doubling in each byte.
func TestAppendNAWS(t *testing.T) {
	for _, tt := range []struct {
		w, h uint16
		want string
	}{
		{80, 24, "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0"},
		{0xffff, 0xff00, "\xff\xfa\x1f\xff\xff\xff\xff\xff\xff\x00\xff\xf0"},
		{0, 0, "\xff\xfa\x1f\x00\x00\x00\x00\xff\xf0"},
	} {
		if got := string(AppendNAWS(nil, tt.w, tt.h)); got != tt.want {
			t.Errorf("%dx%d: %q; want %q", tt.w, tt.h, got, tt.want)
		}
	}
}

func TestEscaper(t *testing.T) {
	for _, in := range []string{"", "abc", "\xff", "a\xffb\xff\xff", strings.Repeat("\xff", 100)} {
		want := strings.ReplaceAll(in, "\xff", "\xff\xff")
		for name, r := range map[string]io.Reader{
			"whole":   NewEscaper(strings.NewReader(in)),
			"onebyte": iotest.OneByteReader(NewEscaper(strings.NewReader(in))),
			"half":    iotest.HalfReader(NewEscaper(iotest.DataErrReader(strings.NewReader(in)))),
		} {
			got, err := io.ReadAll(r)
			if err != nil || string(got) != want {
				t.Errorf("%s %q: %q, %v; want %q", name, in, got, err, want)
			}
		}
	}
}
