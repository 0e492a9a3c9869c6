package hostspec

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
)

// List is a parsed set of host specifications. A nil *List matches nothing.
// A List is immutable and safe for concurrent use.
type List struct {
	v4     []span4       // sorted, disjoint, not adjacent
	v6     []span6       // sorted, disjoint, not adjacent
	ranges []octetSet    // IPv4 ranges too scattered to become spans
	zoned  []zonedPrefix // IPv6 specs that name a zone
}

type span4 struct{ lo, hi uint32 }

type span6 struct{ lo, hi netip.Addr }

// zonedPrefix matches only peers on one interface: fe80::1%eth0 and
// fe80::1%eth1 are different hosts.
type zonedPrefix struct {
	prefix netip.Prefix
	zone   string
}

// maxSpans bounds how many intervals one IPv4 range may expand to; ranges
// beyond it are tested octet by octet instead.
const maxSpans = 1024

// Match reports whether addr is in the list. An IPv4-mapped IPv6 address
// matches as the IPv4 address it carries, and IPv4 specs written in mapped
// form (::ffff:10.0.0.0/104) are IPv4 specs. Other IPv6 prefixes, even ::/0,
// never match IPv4 peers: ncat takes those on a separate IPv4 socket where
// IPv6 specs cannot match them. A peer's zone only matters to specs that
// name one.
func (l *List) Match(addr netip.Addr) bool {
	if l == nil || !addr.IsValid() {
		return false
	}
	zone := addr.Zone()
	addr = addr.WithZone("").Unmap()
	if addr.Is4() {
		return l.match4(addr.As4())
	}
	if l.match6(addr) {
		return true
	}
	for _, z := range l.zoned {
		if z.zone == zone && z.prefix.Contains(addr) {
			return true
		}
	}
	return false
}

func (l *List) match4(b [4]byte) bool {
	u := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	// The first span with hi >= u is the only one that can hold u.
	i, j := 0, len(l.v4)
	for i < j {
		h := int(uint(i+j) >> 1)
		if l.v4[h].hi < u {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(l.v4) && l.v4[i].lo <= u {
		return true
	}
	for k := range l.ranges {
		if l.ranges[k].has(b) {
			return true
		}
	}
	return false
}

func (l *List) match6(a netip.Addr) bool {
	i, j := 0, len(l.v6)
	for i < j {
		h := int(uint(i+j) >> 1)
		if l.v6[h].hi.Less(a) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i < len(l.v6) && l.v6[i].lo.Compare(a) <= 0
}

// Join returns a List matching what any of lists matches, as ncat merges
// every --allow and --allowfile into one set. nil lists are skipped; the
// result is never nil.
func Join(lists ...*List) *List {
	var b builder
	for _, l := range lists {
		if l == nil {
			continue
		}
		b.v4 = append(b.v4, l.v4...)
		b.v6 = append(b.v6, l.v6...)
		b.ranges = append(b.ranges, l.ranges...)
		b.zoned = append(b.zoned, l.zoned...)
	}
	return b.list()
}

// builder collects specs before List's sorted form is computed once.
type builder List

func (b *builder) addAddr(a netip.Addr, bits int) error {
	zone := a.Zone()
	a = a.WithZone("")
	if a.Is4In6() && (bits < 0 || bits >= 96) {
		a, zone = a.Unmap(), ""
		if bits >= 0 {
			bits -= 96
		}
	}
	if bits < 0 {
		bits = a.BitLen()
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return fmt.Errorf("prefix length /%d is longer than %d bits", bits, a.BitLen())
	}
	switch {
	case zone != "":
		b.zoned = append(b.zoned, zonedPrefix{p, zone})
	case a.Is4():
		lo := p.Addr().As4()
		u := uint32(lo[0])<<24 | uint32(lo[1])<<16 | uint32(lo[2])<<8 | uint32(lo[3])
		b.v4 = append(b.v4, span4{u, u | ^uint32(0)>>bits})
	default:
		hi := p.Addr().As16()
		for i := range hi {
			keep := min(max(bits-8*i, 0), 8)
			hi[i] |= byte(0xff >> keep)
		}
		b.v6 = append(b.v6, span6{p.Addr(), netip.AddrFrom16(hi)})
	}
	return nil
}

func (b *builder) addOctets(s octetSet) {
	if spans, ok := s.spans(maxSpans); ok {
		b.v4 = append(b.v4, spans...)
		return
	}
	b.ranges = append(b.ranges, s)
}

// list sorts and merges the spans so that Match can binary-search them.
func (b *builder) list() *List {
	slices.SortFunc(b.v4, func(x, y span4) int { return cmp.Compare(x.lo, y.lo) })
	v4 := make([]span4, 0, len(b.v4))
	for _, s := range b.v4 {
		if n := len(v4); n > 0 && (v4[n-1].hi == 1<<32-1 || s.lo <= v4[n-1].hi+1) {
			v4[n-1].hi = max(v4[n-1].hi, s.hi)
			continue
		}
		v4 = append(v4, s)
	}
	slices.SortFunc(b.v6, func(x, y span6) int { return x.lo.Compare(y.lo) })
	v6 := make([]span6, 0, len(b.v6))
	for _, s := range b.v6 {
		if n := len(v6); n > 0 && touches(v6[n-1].hi, s.lo) {
			if v6[n-1].hi.Less(s.hi) {
				v6[n-1].hi = s.hi
			}
			continue
		}
		v6 = append(v6, s)
	}
	return &List{
		v4:     slices.Clip(v4),
		v6:     slices.Clip(v6),
		ranges: slices.Clone(b.ranges),
		zoned:  slices.Clone(b.zoned),
	}
}

// touches reports whether a span ending at hi overlaps or abuts one
// starting at lo >= the earlier span's start.
func touches(hi, lo netip.Addr) bool {
	next := hi.Next() // invalid after the last address
	return !next.IsValid() || lo.Compare(next) <= 0
}
