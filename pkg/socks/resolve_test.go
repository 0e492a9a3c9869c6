package socks

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// fakeResolver answers from a table and records the lookups.
type fakeResolver struct {
	addrs map[string][]netip.Addr // by network+" "+host
	asked []string
}

func (r *fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.asked = append(r.asked, network+" "+host)
	if a, ok := r.addrs[network+" "+host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestResolve(t *testing.T) {
	v4, v6 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")
	r := &fakeResolver{addrs: map[string][]netip.Addr{
		"ip dual.test":  {v6, v4},
		"ip4 dual.test": {v4},
		"ip6 dual.test": {v6},
		"ip v6.test":    {v6},
	}}
	tests := []struct {
		version int
		mode    DNSMode
		network string
		host    string
		want    Target
		asked   string // the lookup made, if any
		err     string
	}{
		// IP literals go as they are, in every mode.
		{5, DNSNone, "", "10.1.2.3", Target{IP: netip.MustParseAddr("10.1.2.3")}, "", ""},
		{5, DNSRemote, "", "::1", Target{IP: netip.MustParseAddr("::1")}, "", ""},
		{5, DNSLocal, "", "::ffff:10.1.2.3", Target{IP: netip.MustParseAddr("10.1.2.3")}, "", ""},
		{5, DNSBoth, "", "fe80::1%lo", Target{IP: netip.MustParseAddr("fe80::1")}, "", ""},
		{4, DNSRemote, "", "::1", Target{}, "", "socks4 cannot carry IPv6"},
		// remote: the name goes to the proxy (SOCKS4a for socks4).
		{5, DNSRemote, "", "dual.test", Target{Host: "dual.test"}, "", ""},
		{4, DNSRemote, "", "nowhere.test", Target{Host: "nowhere.test"}, "", ""},
		// local: resolved here, or an error.
		{5, DNSLocal, "", "dual.test", Target{IP: v6}, "ip dual.test", ""},
		{5, DNSLocal, "ip4", "dual.test", Target{IP: v4}, "ip4 dual.test", ""},
		{5, DNSLocal, "ip6", "dual.test", Target{IP: v6}, "ip6 dual.test", ""},
		{4, DNSLocal, "", "dual.test", Target{IP: v4}, "ip4 dual.test", ""},
		{4, DNSLocal, "", "v6.test", Target{}, "ip4 v6.test", "resolve v6.test locally: no such host"},
		{4, DNSLocal, "ip6", "dual.test", Target{}, "", "socks4 cannot carry IPv6"},
		{5, DNSLocal, "", "nowhere.test", Target{}, "ip nowhere.test", "resolve nowhere.test locally: no such host"},
		// both: resolved here, else the name goes to the proxy.
		{5, DNSBoth, "", "dual.test", Target{IP: v6}, "ip dual.test", ""},
		{5, DNSBoth, "", "nowhere.test", Target{Host: "nowhere.test"}, "ip nowhere.test", ""},
		{4, DNSBoth, "", "v6.test", Target{Host: "v6.test"}, "ip4 v6.test", ""},
		// none: names are refused.
		{5, DNSNone, "", "dual.test", Target{}, "", "not an IP address"},
	}
	for _, tt := range tests {
		r.asked = nil
		tt.want.Port = 443
		if tt.err != "" {
			tt.want = Target{}
		}
		got, err := Resolve(context.Background(), tt.host, 443, ResolveOptions{Version: tt.version, Mode: tt.mode, Network: tt.network, Resolver: r})
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Resolve(socks%d, %v, %q, %q) = %+v, %v; want %+v, %q", tt.version, tt.mode, tt.network, tt.host, got, err, tt.want, tt.err)
		}
		if asked := strings.Join(r.asked, ","); asked != tt.asked {
			t.Errorf("Resolve(socks%d, %v, %q, %q) looked up %q, want %q", tt.version, tt.mode, tt.network, tt.host, asked, tt.asked)
		}
	}
}

// TestResolveBothCancelled: a cancelled lookup is not "unresolvable", so
// both does not fall back to the proxy.
func TestResolveBothCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Resolve(ctx, "dual.test", 1, ResolveOptions{Version: 5, Mode: DNSBoth, Resolver: &fakeResolver{}})
	if err == nil {
		t.Error("a cancelled lookup fell back to the proxy")
	}
}

// TestResolveSystem uses the system resolver, as gcat will: localhost is in
// every /etc/hosts.
func TestResolveSystem(t *testing.T) {
	got, err := Resolve(context.Background(), "localhost", 80, ResolveOptions{Version: 4, Mode: DNSLocal})
	if err != nil || !got.IP.IsLoopback() || !got.IP.Is4() {
		t.Errorf("Resolve(localhost) = %+v, %v; want an IPv4 loopback address", got, err)
	}
}

func TestParseDNSMode(t *testing.T) {
	for _, m := range []DNSMode{DNSRemote, DNSLocal, DNSBoth, DNSNone} {
		got, err := ParseDNSMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseDNSMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseDNSMode("Remote"); err == nil {
		t.Error("ParseDNSMode accepted Remote")
	}
	if DNSMode(0) != DNSRemote {
		t.Error("the zero DNSMode is not ncat's default, remote")
	}
}

func TestTargetString(t *testing.T) {
	for _, tt := range []struct {
		t    Target
		want string
	}{
		{Target{IP: netip.MustParseAddr("::ffff:1.2.3.4"), Port: 80}, "1.2.3.4:80"},
		{Target{IP: netip.MustParseAddr("fe80::1%eth0"), Port: 80}, "[fe80::1]:80"},
		{Target{Host: "example.com", Port: 443}, "example.com:443"},
	} {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.t, got, tt.want)
		}
	}
}
