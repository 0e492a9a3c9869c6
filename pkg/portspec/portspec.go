// Package portspec parses the port lists that -z scans: a port ("80"), a
// range ("20-25"), or a comma-separated list of those ("20-25,80,443").
//
// Numbers are read as OpenBSD nc 1.219 reads them (strtonum: leading
// blanks and a sign allowed, decimal only, 1 to 65535), a reversed range is
// swapped ("25-20" is 20 to 25), and duplicates are kept in the order given,
// so "80,80" scans port 80 twice, as nc does with two "80" arguments. The
// comma is gcat's: nc 1.219 refuses "20-25,80" ("port number invalid") and
// takes the items as separate arguments instead, which a caller can join
// with commas.
package portspec

import (
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// MaxPort is the highest port number.
const MaxPort = 65535

// The reasons a port list is refused, wrapped in an *Error. The texts are
// nc's.
var (
	ErrEmpty    = errors.New("port number missing")
	ErrSyntax   = errors.New("port number invalid")
	ErrTooSmall = errors.New("port number too small")
	ErrTooLarge = errors.New("port number too large")
)

// Error says which part of which list was refused, and why (one of the
// Err values above, or the error of Options.Service).
type Error struct {
	List string // the whole argument
	Item string // the number or name that was refused
	Err  error
}

func (e *Error) Error() string {
	if e.Item == "" {
		return fmt.Sprintf("port list %q: %v", e.List, e.Err)
	}
	return fmt.Sprintf("port list %q: %v: %q", e.List, e.Err, e.Item)
}

func (e *Error) Unwrap() error { return e.Err }

// Range is the ports from Lo to Hi, both included; Lo <= Hi.
type Range struct{ Lo, Hi uint16 }

// List is a parsed port list: its ranges in the order given.
type List []Range

// Options tune Parse. The zero value takes numbers only.
type Options struct {
	// Service, if set, resolves an item that is not a number, as nc
	// resolves "http" with getservbyname; ranges take numbers only. If
	// nil, a name is refused with ErrSyntax.
	Service func(name string) (int, error)
}

// Parse parses s with the zero Options: numbers only.
func Parse(s string) (List, error) { return Options{}.Parse(s) }

// Parse parses the port list s.
func (o Options) Parse(s string) (List, error) {
	if s == "" {
		return nil, &Error{List: s, Err: ErrEmpty}
	}
	var l List
	for item := range strings.SplitSeq(s, ",") {
		r, err := o.item(item)
		if err != nil {
			err.List = s
			return nil, err
		}
		l = append(l, r)
	}
	return l, nil
}

// item parses one port or range. As in nc, an item is a range only if it
// starts with a digit, and then its first '-' separates the ends: "5--3"
// is 5 to -3 (too small), " 5-7" and "+5-7" are single numbers (invalid),
// and "-5" is the number -5 (too small).
func (o Options) item(s string) (Range, *Error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange || !startsWithDigit(s) {
		p, err := number(s)
		if err != nil && errors.Is(err.Err, ErrSyntax) && o.Service != nil {
			return o.service(s)
		}
		return Range{p, p}, err
	}
	a, err := number(lo)
	if err != nil {
		return Range{}, err
	}
	b, err := number(hi)
	if err != nil {
		return Range{}, err
	}
	return Range{min(a, b), max(a, b)}, nil
}

func startsWithDigit(s string) bool { return s != "" && '0' <= s[0] && s[0] <= '9' }

func (o Options) service(name string) (Range, *Error) {
	p, err := o.Service(name)
	switch {
	case err != nil:
		return Range{}, &Error{Item: name, Err: err}
	case p < 1:
		return Range{}, &Error{Item: name, Err: ErrTooSmall}
	case p > MaxPort:
		return Range{}, &Error{Item: name, Err: ErrTooLarge}
	}
	return Range{uint16(p), uint16(p)}, nil
}

// number reads one port number as strtonum(s, 1, 65535) does: blanks,
// then an optional sign, then decimal digits and nothing else.
func number(s string) (uint16, *Error) {
	digits := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		neg = digits[0] == '-'
		digits = digits[1:]
	}
	switch {
	case s == "":
		return 0, &Error{Err: ErrEmpty}
	case digits == "" || strings.TrimLeft(digits, "0123456789") != "":
		return 0, &Error{Item: s, Err: ErrSyntax}
	}
	digits = strings.TrimLeft(digits, "0")
	if len(digits) > len(strconv.Itoa(MaxPort)) {
		if neg {
			return 0, &Error{Item: s, Err: ErrTooSmall}
		}
		return 0, &Error{Item: s, Err: ErrTooLarge}
	}
	n, _ := strconv.Atoi("0" + digits) // at most 5 digits: cannot fail
	switch {
	case neg || n < 1:
		return 0, &Error{Item: s, Err: ErrTooSmall}
	case n > MaxPort:
		return 0, &Error{Item: s, Err: ErrTooLarge}
	}
	return uint16(n), nil
}

// Len is the number of ports the list names, each time it names them.
func (l List) Len() int {
	n := 0
	for _, r := range l {
		n += int(r.Hi) - int(r.Lo) + 1
	}
	return n
}

// All yields the ports in the order given, each range from low to high,
// duplicates included.
func (l List) All() iter.Seq[uint16] {
	return func(yield func(uint16) bool) {
		for _, r := range l {
			for p := int(r.Lo); p <= int(r.Hi); p++ {
				if !yield(uint16(p)) {
					return
				}
			}
		}
	}
}

// String writes l in the form Parse reads back to the same List: "80" for
// a one-port range, "20-25" for the others, joined by commas.
func (l List) String() string {
	var b strings.Builder
	for i, r := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(r.Lo)))
		if r.Hi != r.Lo {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(r.Hi)))
		}
	}
	return b.String()
}
