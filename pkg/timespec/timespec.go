// Package timespec parses time values the way ncat does: a bare number is
// seconds, or a number with one of the suffixes ms, s, m or h ("500ms",
// "2s", "1.5m", "1h"). Fractions and, for options that allow it, a leading
// minus sign are accepted.
package timespec

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax is wrapped by every error Parse returns.
var ErrSyntax = errors.New("invalid time value")

var units = []struct {
	suffix string
	unit   time.Duration
}{
	// "ms" must be tried before "m" and "s".
	{"ms", time.Millisecond},
	{"s", time.Second},
	{"m", time.Minute},
	{"h", time.Hour},
}

// Parse returns the duration that s names. Negative values are returned as
// they are: callers decide what they mean (for -q, "forever").
func Parse(s string) (time.Duration, error) {
	num, unit := s, time.Second
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, unit = strings.TrimSuffix(s, u.suffix), u.unit
			break
		}
	}
	if num == "" || strings.ContainsAny(num, "eEnNxXpP_") || strings.HasPrefix(num, "+") {
		// strconv.ParseFloat would accept exponents, hex, "inf" and "nan".
		return 0, fmt.Errorf("%w %q", ErrSyntax, s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%w %q", ErrSyntax, s)
	}
	d := f * float64(unit)
	if math.Abs(d) > math.MaxInt64 {
		return 0, fmt.Errorf("%w %q: out of range", ErrSyntax, s)
	}
	return time.Duration(d), nil
}
