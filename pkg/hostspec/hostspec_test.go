package hostspec

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"testing/iotest"
)

var errNoSuchHost = errors.New("no such host")

// fakeResolve stands in for DNS so that tests are hermetic.
func fakeResolve(_ context.Context, host string) ([]netip.Addr, error) {
	switch host {
	case "gateway.test", "gateway.test.":
		return addrs("192.0.2.10"), nil
	case "dual.test":
		return addrs("198.51.100.7", "2001:db8::7"), nil
	case "mapped.test":
		return addrs("::ffff:203.0.113.5"), nil
	case "v6.test":
		return addrs("2001:db8:1::1"), nil
	case "empty.test":
		return nil, nil
	}
	return nil, errNoSuchHost
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

var testParser = &Parser{Resolve: fakeResolve}

func TestMatch(t *testing.T) {
	tests := []struct {
		spec    string
		match   []string
		nomatch []string
	}{
		// Single addresses.
		{"192.0.2.1", []string{"192.0.2.1", "::ffff:192.0.2.1"}, []string{"192.0.2.2", "192.0.2.0", "::192.0.2.1", "2001:db8::1"}},
		{"2001:db8::1", []string{"2001:db8::1", "2001:db8::1%eth0"}, []string{"2001:db8::2", "192.0.2.1"}},
		{"::ffff:192.0.2.1", []string{"192.0.2.1", "::ffff:192.0.2.1"}, []string{"192.0.2.2"}},
		{"::1", []string{"::1"}, []string{"127.0.0.1", "::2"}},
		{"[::1]", []string{"::1"}, []string{"::2"}},
		{"0.0.0.0", []string{"0.0.0.0"}, []string{"0.0.0.1"}},
		{"255.255.255.255", []string{"255.255.255.255"}, []string{"255.255.255.254"}},
		// CIDR prefixes; the host part need not be the network address.
		{"10.0.0.0/8", []string{"10.0.0.0", "10.255.255.255", "::ffff:10.1.2.3"}, []string{"11.0.0.0", "9.255.255.255"}},
		{"127.0.0.1/30", []string{"127.0.0.0", "127.0.0.2", "127.0.0.3"}, []string{"127.0.0.4"}},
		{"127.0.0.2/32", []string{"127.0.0.2"}, []string{"127.0.0.1", "127.0.0.3"}},
		{"127.0.0.2/024", []string{"127.0.0.200"}, []string{"127.0.1.0"}},
		{"0.0.0.0/0", []string{"0.0.0.0", "255.255.255.255", "::ffff:1.2.3.4"}, []string{"::1", "2001:db8::"}},
		{"fe80::/10", []string{"fe80::1", "febf:ffff::1", "fe80::1%eth0"}, []string{"fec0::1", "fe7f::1", "127.0.0.1"}},
		{"2001:db8::/128", []string{"2001:db8::"}, []string{"2001:db8::1"}},
		{"::/0", []string{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1"}, []string{"10.0.0.1", "::ffff:10.0.0.1"}},
		{"[2001:db8::]/32", []string{"2001:db8:ffff::1"}, []string{"2001:db9::"}},
		{"::ffff:10.0.0.0/104", []string{"10.1.2.3", "::ffff:10.255.0.1"}, []string{"11.0.0.0"}},
		{"::ffff:0.0.0.0/96", []string{"1.2.3.4", "255.255.255.255"}, []string{"::1"}},
		// Zones: a zoneless spec ignores the peer's zone; a zoned one
		// wants the same zone.
		{"fe80::1%eth0", []string{"fe80::1%eth0"}, []string{"fe80::1", "fe80::1%eth1", "fe80::2%eth0"}},
		{"fe80::%eth0/64", []string{"fe80::1%eth0", "fe80::ffff%eth0"}, []string{"fe80::1%eth1", "fe80:0:0:1::1%eth0"}},
		// nmap octet ranges, wildcards and lists.
		{"192.168.0-255.1-254", []string{"192.168.0.1", "192.168.255.254", "192.168.7.100"}, []string{"192.168.0.0", "192.168.3.255", "192.169.0.1"}},
		{"10.0.0.*", []string{"10.0.0.0", "10.0.0.255"}, []string{"10.0.1.0"}},
		{"10.0.0-5.*", []string{"10.0.0.0", "10.0.5.255", "10.0.3.7"}, []string{"10.0.6.0", "9.255.255.255"}},
		{"192.168.1,3,5.1-10", []string{"192.168.1.1", "192.168.3.10", "192.168.5.5"}, []string{"192.168.2.1", "192.168.1.11", "192.168.1.0"}},
		{"10.0.0.-5", []string{"10.0.0.0", "10.0.0.5"}, []string{"10.0.0.6"}},
		{"10.0.0.250-", []string{"10.0.0.250", "10.0.0.255"}, []string{"10.0.0.249", "10.0.1.0"}},
		{"10.0.0.-", []string{"10.0.0.0", "10.0.0.255"}, []string{"10.0.1.0"}},
		{"10.0.0.1-1", []string{"10.0.0.1"}, []string{"10.0.0.2"}},
		{"127.0-0.0.2", []string{"127.0.0.2"}, []string{"127.0.0.1"}},
		{"1,3.0.0.7,9", []string{"1.0.0.7", "3.0.0.9"}, []string{"2.0.0.7", "1.0.0.8"}},
		{"*.*.*.*", []string{"0.0.0.0", "255.255.255.255"}, []string{"::"}},
		{"*.*.*.1", []string{"1.2.3.1", "255.0.255.1"}, []string{"1.2.3.2"}},
		{"1-200.*.7.1,3", []string{"1.0.7.1", "200.255.7.3"}, []string{"201.0.7.1", "1.0.7.2", "1.0.8.1"}},
		// Ranges with a prefix length widen each octet, as nmap does.
		{"127.0-1.0.1/30", []string{"127.0.0.2", "127.1.0.3"}, []string{"127.0.0.4", "127.2.0.1"}},
		{"127.0-1.0.5/30", []string{"127.0.0.4", "127.1.0.7"}, []string{"127.0.0.2"}},
		{"10.1,3.0.0/24", []string{"10.3.0.200"}, []string{"10.2.0.1"}},
		{"10.1,3.*.*/15", []string{"10.0.0.1", "10.2.255.255"}, []string{"10.4.0.0"}},
		{"10.*.*.*/0", []string{"1.1.1.1"}, nil},
		// Host names, resolved once through the injected resolver.
		{"gateway.test", []string{"192.0.2.10"}, []string{"192.0.2.11"}},
		{"gateway.test.", []string{"192.0.2.10"}, nil},
		{"gateway.test/24", []string{"192.0.2.10", "192.0.2.255"}, []string{"192.0.3.0"}},
		{"dual.test", []string{"198.51.100.7", "2001:db8::7"}, []string{"2001:db8::8"}},
		{"dual.test/24", []string{"198.51.100.1", "2001:dff::1"}, []string{"198.51.101.1", "2001:e00::"}},
		{"mapped.test", []string{"203.0.113.5", "::ffff:203.0.113.5"}, nil},
		{"v6.test/64", []string{"2001:db8:1::ffff"}, []string{"2001:db8:2::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			l, err := testParser.Parse(t.Context(), tt.spec)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			checkMatches(t, tt.spec, l, tt.match, tt.nomatch)
		})
	}
}

func checkMatches(t *testing.T, what string, l *List, match, nomatch []string) {
	t.Helper()
	for _, s := range match {
		if !l.Match(netip.MustParseAddr(s)) {
			t.Errorf("%s does not match %s", what, s)
		}
	}
	for _, s := range nomatch {
		if l.Match(netip.MustParseAddr(s)) {
			t.Errorf("%s matches %s", what, s)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"10.0.0.300", `invalid host spec "10.0.0.300": octet 300 out of range 0-255`},
		{"10.0.0.1000", "octet 1000 out of range 0-255"},
		{"10.0.0.99999999999999999999", "out of range 0-255"},
		{"10.0.0.256-", "octet 256 out of range"},
		{"10.0.0.-256", "octet 256 out of range"},
		{"10.0.0.5-3", "range 5-3 is reversed"},
		{"10.0.0.1-2-3", "more than one '-'"},
		{"10.0.0", "4 octets, not 3"},
		{"127.1", "4 octets, not 2"},
		{"10.0.0.1.2", "4 octets, not 5"},
		{"10", "4 octets, not 1"},
		{"-", "4 octets, not 1"},
		{"10..0.1", "empty octet"},
		{"10.0.0.", "empty octet"},
		{"10.0.0.1,", "empty item"},
		{"10.0.0.1,,2", "empty item"},
		{"10.0.0.*-5", "'*' must stand alone"},
		{"10.0.0.1,*", "'*' must stand alone"},
		{"10.0.0.010", "leading zero"},
		{"10.0.0.01-5", "leading zero"},
		{"0x7f.0.0.1", "not an IP address, IPv4 range or host name"},
		{"10.0.0.1/33", "prefix length /33 is longer than 32 bits"},
		{"10.0.0.*/33", "prefix length /33 is longer than 32 bits"},
		{"::1/129", "prefix length /129 is longer than 128 bits"},
		{"10.0.0.1/", `prefix length "" is not a number`},
		{"10.0.0.1/+8", `prefix length "+8" is not a number`},
		{"10.0.0.1/-1", `prefix length "-1" is not a number`},
		{"10.0.0.1/8/8", `prefix length "8/8" is not a number`},
		{"10.0.0.1/1000", `prefix length "1000" is not a number`},
		{"::0-1", "IPv6 addresses take no ranges"},
		{"2001:db8::*", "IPv6 addresses take no ranges"},
		{"2001:db8:::1", "not a valid IPv6 address"},
		{"[::1", "brackets only enclose IPv6 addresses"},
		{"[10.0.0.1]", "brackets only enclose IPv6 addresses"},
		{"", "not an IP address, IPv4 range or host name"},
		{"/24", "not an IP address, IPv4 range or host name"},
		{"host name", "not an IP address, IPv4 range or host name"},
		{"a..b", "not an IP address, IPv4 range or host name"},
		{"#", "not an IP address, IPv4 range or host name"},
		{"10.0.0.1#x", "not an IP address, IPv4 range or host name"},
		{"nosuch.test", "no such host"},
		{"empty.test", "lookup empty.test: no addresses"},
		{"gateway.test/33", "gateway.test resolves to 192.0.2.10: prefix length /33 is longer than 32 bits"},
		{"dual.test/64", "dual.test resolves to 198.51.100.7: prefix length /64"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			l, err := testParser.Parse(t.Context(), tt.spec)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error containing %q", tt.spec, l, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) error %q, want it to contain %q", tt.spec, err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Spec != tt.spec {
				t.Fatalf("Parse(%q) error %#v is not an *Error naming the spec", tt.spec, err)
			}
		})
	}
}

func TestResolverErrorWrapped(t *testing.T) {
	_, err := testParser.Parse(t.Context(), "nosuch.test")
	if !errors.Is(err, errNoSuchHost) {
		t.Fatalf("error %v does not wrap the resolver's error", err)
	}
}

func TestNoDNS(t *testing.T) {
	p := &Parser{NoDNS: true, Resolve: func(context.Context, string) ([]netip.Addr, error) {
		t.Fatal("resolver called with NoDNS")
		return nil, nil
	}}
	if _, err := p.Parse(t.Context(), "gateway.test"); err == nil || !strings.Contains(err.Error(), "name resolution is turned off") {
		t.Fatalf("Parse with NoDNS: %v", err)
	}
	// Numeric specs never need the resolver.
	for _, spec := range []string{"10.0.0.1", "10.0.0.*", "::1", "fe80::/10", "10.0.0.300"} {
		_, _ = p.Parse(t.Context(), spec)
	}
}

func TestDefaultResolver(t *testing.T) {
	// localhost comes from /etc/hosts, so no network is needed.
	l, err := new(Parser).Parse(t.Context(), "localhost")
	if err != nil {
		t.Skipf("cannot resolve localhost here: %v", err)
	}
	if !l.Match(netip.MustParseAddr("127.0.0.1")) && !l.Match(netip.IPv6Loopback()) {
		t.Fatalf("localhost matches neither 127.0.0.1 nor ::1")
	}
}

func TestParseFile(t *testing.T) {
	const file = `# allowed peers
10.0.0.1   10.0.0.2	# two on a line, then a comment
192.168.1,3,5.1-10
#10.9.9.9
   
fe80::/10 gateway.test
10.0.0.7#no space before the comment
10.0.0.8` + "\r\n" + `10.0.0.9`
	l, err := testParser.ParseFile(t.Context(), strings.NewReader(file), "allow.txt")
	if err != nil {
		t.Fatal(err)
	}
	checkMatches(t, "file", l,
		[]string{"10.0.0.1", "10.0.0.2", "192.168.3.4", "fe80::1", "192.0.2.10", "10.0.0.7", "10.0.0.8", "10.0.0.9"},
		[]string{"10.0.0.3", "10.9.9.9", "192.168.2.4", "2001:db8::1"})
}

func TestParseFileEmpty(t *testing.T) {
	for _, file := range []string{"", "\n\n", "# nothing here\n  # nor here\n", " \t\r\n"} {
		l, err := testParser.ParseFile(t.Context(), strings.NewReader(file), "empty")
		if err != nil {
			t.Fatalf("ParseFile(%q): %v", file, err)
		}
		if l == nil || l.Match(netip.MustParseAddr("10.0.0.1")) {
			t.Fatalf("ParseFile(%q) = %v, want an empty non-nil List", file, l)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"10.0.0.1\n\n10.0.0.300\n", `deny.txt:3: invalid host spec "10.0.0.300": octet 300 out of range 0-255`},
		{"10.0.0.1 10.0.0.1,,2 # x\n", `deny.txt:1: invalid host spec "10.0.0.1,,2"`},
		{"# ok\nnosuch.test\n", `deny.txt:2: invalid host spec "nosuch.test": no such host`},
		{strings.Repeat("1", maxLine+1), "read deny.txt: bufio.Scanner: token too long"},
	}
	for _, tt := range tests {
		l, err := testParser.ParseFile(t.Context(), strings.NewReader(tt.file), "deny.txt")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseFile(%.40q) = %v, %v; want error containing %q", tt.file, l, err, tt.want)
		}
	}
	_, err := testParser.ParseFile(t.Context(), iotest.ErrReader(errNoSuchHost), "broken")
	if !errors.Is(err, errNoSuchHost) || !strings.Contains(err.Error(), "read broken") {
		t.Errorf("ParseFile on a failing reader: %v", err)
	}
}

func TestParseArg(t *testing.T) {
	l, err := testParser.ParseArg(t.Context(), "127.0.0.1,,10.0.0.0/8,gateway.test,")
	if err != nil {
		t.Fatal(err)
	}
	checkMatches(t, "arg", l, []string{"127.0.0.1", "10.2.3.4", "192.0.2.10"}, []string{"127.0.0.2"})

	for _, arg := range []string{"", ","} {
		l, err := testParser.ParseArg(t.Context(), arg)
		if err != nil || l == nil || l.Match(netip.MustParseAddr("127.0.0.1")) {
			t.Fatalf("ParseArg(%q) = %v, %v; want an empty List", arg, l, err)
		}
	}

	// ncat splits "127.0.0,1.1,2,5" into four specs; we refuse the pieces
	// and say where octet lists belong.
	_, err = testParser.ParseArg(t.Context(), "127.0.0,1.1")
	if err == nil || !strings.Contains(err.Error(), `"127.0.0"`) || !strings.Contains(err.Error(), "in a file") {
		t.Fatalf("ParseArg with an octet list: %v", err)
	}
}

func TestJoin(t *testing.T) {
	a, _ := testParser.Parse(t.Context(), "10.0.0.0/24")
	b, _ := testParser.Parse(t.Context(), "10.0.1.0/24")
	c, _ := testParser.Parse(t.Context(), "*.*.*.1")
	d, _ := testParser.Parse(t.Context(), "fe80::%eth0/64")
	l := Join(a, nil, b, c, d)
	if len(l.v4) != 1 {
		t.Errorf("adjacent prefixes not merged: %v", l.v4)
	}
	checkMatches(t, "joined", l,
		[]string{"10.0.0.0", "10.0.1.255", "8.8.8.1", "fe80::1%eth0"},
		[]string{"10.0.2.0", "8.8.8.8", "fe80::1"})
	if e := Join(); e == nil || e.Match(netip.MustParseAddr("10.0.0.1")) {
		t.Errorf("Join() = %v, want an empty List", e)
	}
	var nilList *List
	if nilList.Match(netip.MustParseAddr("10.0.0.1")) || a.Match(netip.Addr{}) {
		t.Errorf("nil List or zero Addr matched")
	}
}

func TestMerge(t *testing.T) {
	l, err := testParser.ParseFile(t.Context(), strings.NewReader(`
		10.0.0.5-9 10.0.0.0-4 10.0.0.20 10.0.0.10-19 255.255.255.255 255.255.255.0/24 0.0.0.0/0
		::/1 8000::/1 2001:db8::/32 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`), "merge")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.v4) != 1 || l.v4[0] != (span4{0, 1<<32 - 1}) {
		t.Errorf("v4 spans = %v, want the whole space", l.v4)
	}
	if len(l.v6) != 1 {
		t.Errorf("v6 spans = %v, want the whole space", l.v6)
	}
	l, _ = testParser.ParseFile(t.Context(), strings.NewReader("10.0.0.1 10.0.0.3 10.0.0.2 10.0.0.9"), "merge")
	if want := []span4{{0x0a000001, 0x0a000003}, {0x0a000009, 0x0a000009}}; !equalSpans(l.v4, want) {
		t.Errorf("v4 spans = %x, want %x", l.v4, want)
	}
}

func equalSpans(a, b []span4) bool {
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

func TestMatchAllocs(t *testing.T) {
	l := benchList(t)
	peers := addrs("10.200.3.4", "::ffff:10.200.3.4", "2001:db8::1", "fe80::1%eth0")
	n := testing.AllocsPerRun(100, func() {
		for _, p := range peers {
			l.Match(p)
		}
	})
	if n != 0 {
		t.Fatalf("Match allocates %v times", n)
	}
}

// benchList is a large allow file of the kinds of specs people write.
func benchList(tb testing.TB) *List {
	var sb strings.Builder
	for i := range 2000 {
		sb.WriteString(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}).String() + "\n")
		sb.WriteString(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}).String() + "/48\n")
	}
	sb.WriteString("192.168.0-255.1-254 *.*.*.1 10.100-120.*.* fe80::%eth0/64\n")
	l, err := testParser.ParseFile(context.Background(), strings.NewReader(sb.String()), "bench")
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func BenchmarkMatch(b *testing.B) {
	l := benchList(b)
	peers := addrs("10.7.208.1", "10.200.3.4", "::ffff:192.168.9.9", "2001:db8:7d0::1", "2001:db9::1")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Match(peers[i%len(peers)])
	}
}
