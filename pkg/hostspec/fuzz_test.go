package hostspec

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "[::1]", "10.0.0.0/8", "127.0.0.1/30",
	"0.0.0.0/0", "fe80::/10", "::/0", "::ffff:10.0.0.0/104", "::ffff:1.2.3.4/64", "fe80::1%eth0",
	"fe80::%eth0/64", "192.168.0-255.1-254", "10.0.0.*", "10.0.0-5.*", "192.168.1,3,5.1-10",
	"10.0.0.-5", "10.0.0.250-", "10.0.0.-", "*.*.*.1", "1-200.*.7.1,3", "127.0-1.0.5/30",
	"10.1,3.*.*/15", "host.test", "host.test/24", "10.0.0.300", "10.0.0.5-3", "127.1",
	"10.0.0.010", "0x7f.0.0.1", "10.0.0.1/", "::0-1", "[10.0.0.1]", "", "#", "a..b",
}

// fuzzResolve answers every name with one address of each family.
func fuzzResolve(context.Context, string) ([]netip.Addr, error) {
	return addrs("192.0.2.1", "2001:db8::1"), nil
}

// FuzzParse checks that Parse never panics, that a List matches the
// addresses it was built from, and that matching agrees with reference
// implementations that test membership the slow, obvious way.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, []byte{192, 0, 2, 1}, "")
		f.Add(s, []byte{0x20, 1, 0xd, 0xb8, 15: 1}, "eth0")
	}
	p := &Parser{Resolve: fuzzResolve}
	f.Fuzz(func(t *testing.T, spec string, peerBytes []byte, zone string) {
		l, err := p.Parse(context.Background(), spec)
		if fields := strings.Fields(spec); len(fields) == 1 && fields[0] == spec && !strings.Contains(spec, "#") {
			lf, errf := p.ParseFile(context.Background(), strings.NewReader(spec), "f")
			if (err == nil) != (errf == nil) {
				t.Fatalf("Parse(%q) error %v but ParseFile error %v", spec, err, errf)
			}
			if err == nil {
				l = Join(l, lf)
			}
		}
		if err != nil {
			return
		}
		for _, a := range samples(l) {
			if !l.Match(a) {
				t.Fatalf("Parse(%q) does not match its own member %v", spec, a)
			}
		}
		peer, ok := netip.AddrFromSlice(peerBytes)
		if !ok {
			return
		}
		if peer.Is6() && zone != "" {
			peer = peer.WithZone(zone)
		}
		if want, ok := refMatch(spec, peer); ok && l.Match(peer) != want {
			t.Fatalf("Parse(%q).Match(%v) = %v, reference says %v", spec, peer, !want, want)
		}
	})
}

// samples returns members of l: both ends of every span, the first address
// of every range, and every zoned prefix with its zone.
func samples(l *List) []netip.Addr {
	var out []netip.Addr
	for _, s := range l.v4 {
		out = append(out, from32(s.lo), from32(s.hi))
	}
	for _, s := range l.v6 {
		out = append(out, s.lo, s.hi, netip.AddrFrom16(s.lo.As16()).WithZone("z"))
	}
	for _, r := range l.ranges {
		var b [4]byte
		for i := range r {
			for v := 255; v >= 0; v-- {
				if r[i].has(byte(v)) {
					b[i] = byte(v)
				}
			}
		}
		out = append(out, netip.AddrFrom4(b), netip.AddrFrom16(netip.AddrFrom4(b).As16()))
	}
	for _, z := range l.zoned {
		out = append(out, z.prefix.Addr().WithZone(z.zone))
	}
	return out
}

func from32(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// refMatch decides membership for a spec Parse accepted, without the
// package's intervals or bitmaps. ok is false for host names.
func refMatch(spec string, peer netip.Addr) (match, ok bool) {
	host, suffix, hasBits := strings.Cut(spec, "/")
	bits := -1
	if hasBits {
		bits, _ = strconv.Atoi(suffix)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	zone := peer.Zone()
	peer = peer.WithZone("").Unmap()
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && !(a.Is4In6() && (bits < 0 || bits >= 96)) {
		if bits < 0 {
			bits = 128
		}
		p, _ := a.WithZone("").Prefix(bits)
		return peer.Is6() && p.Contains(peer) && (a.Zone() == "" || a.Zone() == zone), true
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is4In6() {
		host = a.Unmap().String()
		if bits >= 0 {
			bits -= 96
		}
	}
	if strings.Trim(host, "0123456789.-,*") != "" {
		return false, false
	}
	if !peer.Is4() {
		return false, true
	}
	if bits < 0 {
		bits = 32
	}
	b := peer.As4()
	for i, part := range strings.Split(host, ".") {
		keep := uint(min(max(bits-8*i, 0), 8))
		found := false
		for s := range 256 {
			if s>>(8-keep) == int(b[i])>>(8-keep) && refOctetHas(part, s) {
				found = true
				break
			}
		}
		if !found {
			return false, true
		}
	}
	return true, true
}

func refOctetHas(part string, v int) bool {
	for item := range strings.SplitSeq(part, ",") {
		if item == "*" {
			return true
		}
		lo, hi, isRange := strings.Cut(item, "-")
		l, h := 0, 255
		if lo != "" {
			l, _ = strconv.Atoi(lo)
		}
		if !isRange {
			h = l
		} else if hi != "" {
			h, _ = strconv.Atoi(hi)
		}
		if l <= v && v <= h {
			return true
		}
	}
	return false
}
