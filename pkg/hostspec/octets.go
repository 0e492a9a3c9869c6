package hostspec

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// octetSet is an nmap IPv4 range such as 192.168.0-255.1,3: one set of
// allowed values per octet, an address matching when each of its octets is
// in the corresponding set.
type octetSet [4]octet

// octet is a 256-bit set of octet values.
type octet [4]uint64

func (o *octet) has(v byte) bool { return o[v>>6]&(1<<(v&63)) != 0 }

func (o *octet) setRange(lo, hi int) {
	for v := lo; v <= hi; v++ {
		o[v>>6] |= 1 << (v & 63)
	}
}

func (o *octet) count() int {
	n := 0
	for _, w := range o {
		n += bits.OnesCount64(w)
	}
	return n
}

func (o *octet) full() bool { return o.count() == 256 }

func (s *octetSet) has(b [4]byte) bool {
	return s[0].has(b[0]) && s[1].has(b[1]) && s[2].has(b[2]) && s[3].has(b[3])
}

// parseOctets parses "a.b.c.d" where each part is "*" or a comma list of
// "n", "n-m", "-m", "n-" or "-".
func parseOctets(s string) (octetSet, error) {
	var set octetSet
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return set, fmt.Errorf("an IPv4 address or range has 4 octets, not %d", len(parts))
	}
	for i, part := range parts {
		if err := set[i].parse(part); err != nil {
			return set, err
		}
	}
	return set, nil
}

func (o *octet) parse(part string) error {
	switch {
	case part == "":
		return fmt.Errorf("empty octet")
	case part == "*":
		o.setRange(0, 255)
		return nil
	case strings.Contains(part, "*"):
		return fmt.Errorf("octet %q: '*' must stand alone", part)
	}
	for item := range strings.SplitSeq(part, ",") {
		if item == "" {
			return fmt.Errorf("octet %q: empty item in list", part)
		}
		lo, hi, isRange := strings.Cut(item, "-")
		if !isRange {
			hi = lo
		}
		if strings.Contains(hi, "-") {
			return fmt.Errorf("octet %q: more than one '-' in %q", part, item)
		}
		l, err := octetValue(lo, 0)
		if err != nil {
			return err
		}
		h, err := octetValue(hi, 255)
		if err != nil {
			return err
		}
		if l > h {
			return fmt.Errorf("range %s is reversed", item)
		}
		o.setRange(l, h)
	}
	return nil
}

// octetValue parses one end of an octet range; an empty end means def.
func octetValue(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	if len(s) > 3 {
		return 0, fmt.Errorf("octet %s out of range 0-255", s)
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("octet %s has a leading zero (octal or decimal?)", s)
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("octet %q is not a number", s)
	}
	if v > 255 {
		return 0, fmt.Errorf("octet %s out of range 0-255", s)
	}
	return v, nil
}

// widen applies a prefix length the way nmap does to a range: in each octet
// every value sharing its masked bits with an allowed value is allowed too,
// so 10.0-1.0.5/30 is 10.0-1.0.4-7.
func (s *octetSet) widen(prefixBits int) {
	for i := range s {
		keep := min(max(prefixBits-8*i, 0), 8)
		if keep == 8 {
			continue
		}
		block := 1 << (8 - keep)
		var w octet
		for base := 0; base < 256; base += block {
			for v := base; v < base+block; v++ {
				if s[i].has(byte(v)) {
					w.setRange(base, base+block-1)
					break
				}
			}
		}
		s[i] = w
	}
}

// runs returns the maximal runs of consecutive values in o.
func (o *octet) runs() [][2]uint32 {
	var rs [][2]uint32
	for v := 0; v < 256; v++ {
		if !o.has(byte(v)) {
			continue
		}
		if n := len(rs); n > 0 && rs[n-1][1] == uint32(v)-1 {
			rs[n-1][1] = uint32(v)
		} else {
			rs = append(rs, [2]uint32{uint32(v), uint32(v)})
		}
	}
	return rs
}

// spans converts s to address intervals when that takes at most limit of
// them. Octets after the last restricted one are whole, so each combination
// of values before it and each run within it is one interval: 10.1-2.0-9.*
// is two intervals, while *.*.*.1 would be 2^24 and stays an octetSet.
func (s *octetSet) spans(limit int) ([]span4, bool) {
	last := -1
	for i := range s {
		if !s[i].full() {
			last = i
		}
	}
	if last < 0 {
		return []span4{{0, 1<<32 - 1}}, true
	}
	runs := s[last].runs()
	n := len(runs)
	for i := range last {
		n *= s[i].count()
		if n > limit {
			return nil, false
		}
	}
	if n > limit {
		return nil, false
	}
	prefixes := []uint32{0}
	for i := range last {
		var next []uint32
		for _, p := range prefixes {
			for v := range 256 {
				if s[i].has(byte(v)) {
					next = append(next, p<<8|uint32(v))
				}
			}
		}
		prefixes = next
	}
	shift := 8 * (3 - last)
	out := make([]span4, 0, n)
	for _, p := range prefixes {
		for _, r := range runs {
			lo := (p<<8 | r[0]) << shift
			hi := (p<<8|r[1])<<shift | (1<<shift - 1)
			out = append(out, span4{lo, hi})
		}
	}
	return out, true
}
