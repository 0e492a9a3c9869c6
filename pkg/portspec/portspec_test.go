package portspec

import (
	"errors"
	"fmt"
	"math/big"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// parseTests are checked against Parse here and against the real nc in
// TestMatchesNc (each comma-separated item an nc argument).
var parseTests = []struct {
	in   string
	want string // List.String(), or "" when err is set
	err  error
}{
	{"80", "80", nil},
	{"1", "1", nil},
	{"65535", "65535", nil},
	{"20-25", "20-25", nil},
	{"25-20", "20-25", nil}, // nc swaps a reversed range
	{"7-7", "7", nil},
	{"20-25,80,443", "20-25,80,443", nil},
	{"80,80", "80,80", nil},       // nc scans a repeated port twice
	{"20-25,22", "20-25,22", nil}, // and overlaps too
	{"080", "80", nil},            // strtonum: leading zeros,
	{"+80", "80", nil},            // a plus sign,
	{" 80", "80", nil},            // leading blanks,
	{"80- 81", "80-81", nil},      // on either end of a range,
	{"80-+81", "80-81", nil},
	{"\t80- 81", "", ErrSyntax}, // but a range starts with a digit
	{"+80-81", "", ErrSyntax},
	{"-80", "", ErrTooSmall},        // so this is the number -80
	{"0000000000000080", "80", nil}, // however many zeros
	{"0", "", ErrTooSmall},
	{"0-3", "", ErrTooSmall},
	{"5--3", "", ErrTooSmall}, // the first '-' splits: 5 to -3
	{"65536", "", ErrTooLarge},
	{"65530-65540", "", ErrTooLarge},
	{"99999999999999999999999", "", ErrTooLarge},
	{"", "", ErrEmpty},
	{"80,", "", ErrEmpty},
	{",80", "", ErrEmpty},
	{"80-", "", ErrEmpty},
	{"-", "", ErrSyntax},
	{"80 ", "", ErrSyntax}, // trailing blanks are not strtonum's
	{"abc", "", ErrSyntax},
	{"0x50", "", ErrSyntax},
	{"1-2-3", "", ErrSyntax},
	{"80-abc", "", ErrSyntax},
	{"+", "", ErrSyntax},
	{"8 0", "", ErrSyntax},
	{"٨٠", "", ErrSyntax}, // Arabic-Indic digits are not decimal digits to C
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		l, err := Parse(tt.in)
		if tt.err != nil {
			var pe *Error
			if !errors.Is(err, tt.err) || !errors.As(err, &pe) || pe.List != tt.in {
				t.Errorf("Parse(%q) = %v, %v; want an *Error wrapping %v", tt.in, l, err, tt.err)
			}
			continue
		}
		if err != nil || l.String() != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", tt.in, l, err, tt.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	for in, want := range map[string]string{
		"20-70000": `port list "20-70000": port number too large: "70000"`,
		"80,":      `port list "80,": port number missing`,
		"x":        `port list "x": port number invalid: "x"`,
	} {
		if _, err := Parse(in); err == nil || err.Error() != want {
			t.Errorf("Parse(%q): %v, want %s", in, err, want)
		}
	}
}

func TestAllAndLen(t *testing.T) {
	l, err := Parse("25-20,80,22,65534-65535")
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Collect(l.All())
	want := []uint16{20, 21, 22, 23, 24, 25, 80, 22, 65534, 65535}
	if !slices.Equal(got, want) || l.Len() != len(want) {
		t.Errorf("All = %v, Len = %d; want %v", got, l.Len(), want)
	}
	// The whole port space neither overflows a uint16 loop nor Len.
	all := List{{1, MaxPort}}
	n := 0
	for p := range all.All() {
		n++
		if p == MaxPort {
			break
		}
	}
	if n != MaxPort || all.Len() != MaxPort {
		t.Errorf("1-65535: %d ports yielded, Len %d", n, all.Len())
	}
	for p := range l.All() { // stopping early is honoured
		if p != 20 {
			t.Fatalf("yielded %d after break", p)
		}
		break
	}
}

func TestService(t *testing.T) {
	services := map[string]int{"http": 80, "zero": 0, "huge": 70000}
	lookupErr := errors.New("unknown service")
	o := Options{Service: func(name string) (int, error) {
		if p, ok := services[name]; ok {
			return p, nil
		}
		return 0, lookupErr
	}}
	if l, err := o.Parse("http,443"); err != nil || l.String() != "80,443" {
		t.Errorf("http,443: %v, %v", l, err)
	}
	for in, want := range map[string]error{
		"nosuch": lookupErr, "zero": ErrTooSmall, "huge": ErrTooLarge,
		"http-443": lookupErr, // not a range: it starts with a letter
		"80-http":  ErrSyntax, // ranges take numbers only, as in nc
	} {
		if _, err := o.Parse(in); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", in, err, want)
		}
	}
	if _, err := Parse("http"); !errors.Is(err, ErrSyntax) {
		t.Errorf("http without Service: %v", err)
	}
}

// TestMatchesNc runs OpenBSD nc -z on each list of parseTests, its items
// as separate arguments, against loopback, and checks that nc tries the
// ports Parse yields, in the same order, or refuses what Parse refuses for
// the same reason.
func TestMatchesNc(t *testing.T) {
	nc := needOpenBSDNc(t)
	tried := regexp.MustCompile(`(?m)(?:port (\d+) \(tcp\) failed|^Connection to 127\.0\.0\.1 (\d+) port)`)
	refused := regexp.MustCompile(`nc: port number (invalid|too small|too large)`)
	reasons := map[string]error{"invalid": ErrSyntax, "too small": ErrTooSmall, "too large": ErrTooLarge}
	for _, tt := range parseTests {
		// Every port here is outside Linux's ephemeral range, where the
		// other tests on this machine listen. "" would be no argument.
		if tt.in == "" {
			continue
		}
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			args := append([]string{"-z", "-v", "-n", "-w", "5", "--", "127.0.0.1"}, strings.Split(tt.in, ",")...)
			out, _ := exec.Command(nc, args...).CombinedOutput()
			if m := refused.FindStringSubmatch(string(out)); m != nil {
				want := tt.err
				if want == ErrEmpty {
					want = ErrSyntax // nc calls an empty number invalid
				}
				if reasons[m[1]] != want {
					t.Errorf("nc refused it as %q; Parse: %v", m[1], tt.err)
				}
				return
			}
			if tt.err != nil {
				t.Fatalf("nc took it (%q); Parse refused it: %v", out, tt.err)
			}
			var ncPorts []string
			for _, m := range tried.FindAllStringSubmatch(string(out), -1) {
				ncPorts = append(ncPorts, m[1]+m[2])
			}
			l, _ := Parse(tt.in)
			var ours []string
			for p := range l.All() {
				ours = append(ours, fmt.Sprint(p))
			}
			if !slices.Equal(ncPorts, ours) {
				t.Errorf("nc tried %v, Parse yields %v (nc said %q)", ncPorts, ours, out)
			}
		})
	}
}

func needOpenBSDNc(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("nc")
	if err != nil {
		t.Skip("nc is not installed (apt-get install netcat-openbsd)")
	}
	out, _ := exec.Command(path, "-h").CombinedOutput()
	if !strings.Contains(string(out), "OpenBSD netcat") {
		t.Skipf("%s is not OpenBSD's nc", path)
	}
	return path
}

// reference is a second, independent reading of a list, for the fuzzer to
// compare Parse with: a regular expression per number and arbitrary
// precision, where Parse trims and counts digits.
func reference(s string) (List, error) {
	num := regexp.MustCompile(`^[ \t\n\v\f\r]*([+-]?)([0-9]+)$`)
	port := func(s string) (uint16, error) {
		if s == "" {
			return 0, ErrEmpty
		}
		m := num.FindStringSubmatch(s)
		if m == nil {
			return 0, ErrSyntax
		}
		n, _ := new(big.Int).SetString(m[1]+m[2], 10)
		switch {
		case n.Sign() <= 0:
			return 0, ErrTooSmall
		case n.Cmp(big.NewInt(MaxPort)) > 0:
			return 0, ErrTooLarge
		}
		return uint16(n.Int64()), nil
	}
	if s == "" {
		return nil, ErrEmpty
	}
	var l List
	for _, item := range strings.Split(s, ",") {
		i := strings.IndexByte(item, '-')
		ends := []string{item}
		if i >= 0 && regexp.MustCompile(`^[0-9]`).MatchString(item) {
			ends = []string{item[:i], item[i+1:]}
		}
		var ps []uint16
		for _, e := range ends {
			p, err := port(e)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		l = append(l, Range{slices.Min(ps), slices.Max(ps)})
	}
	return l, nil
}

func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		rl, rerr := reference(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, rerr) {
				t.Fatalf("Parse(%q): %v; reference: %v", s, err, rerr)
			}
			return
		}
		if rerr != nil || !slices.Equal(l, rl) {
			t.Fatalf("Parse(%q) = %v; reference: %v, %v", s, l, rl, rerr)
		}
		n := 0
		for _, r := range l {
			if r.Lo < 1 || r.Lo > r.Hi {
				t.Fatalf("Parse(%q): bad range %v", s, r)
			}
			n += int(r.Hi-r.Lo) + 1
		}
		if l.Len() != n {
			t.Fatalf("Parse(%q).Len() = %d, want %d", s, l.Len(), n)
		}
		back, err := Parse(l.String())
		if err != nil || !slices.Equal(back, l) {
			t.Fatalf("round trip of %q through %q: %v, %v", s, l.String(), back, err)
		}
	})
}
