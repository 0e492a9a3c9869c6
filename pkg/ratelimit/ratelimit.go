// Package ratelimit limits throughput the way `pv -L` does (--rate,
// --rate-in, --rate-out): readers and writers that pass at most a given
// number of bytes per second on average, on golang.org/x/time/rate.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"golang.org/x/time/rate"
)

// ErrStopped is returned by a Reader or Writer once it has been stopped.
var ErrStopped = errors.New("ratelimit: stopped")

// ParseRate parses a rate as pv -L takes it: a bare number is bytes per
// second, and K, M, G, T (any case, optionally followed by "B" or "iB")
// multiply by powers of 1024: "2M" and "2MiB" are 2097152, "1.5k" is 1536.
// A plain trailing "B" is allowed too ("100B"). Fractions of a byte are
// dropped. A rate below 1 byte per second, or one that does not fit in an
// int64, is an error, as is anything but digits and one decimal point
// before the suffix (no signs, exponents, hex, "Inf" or "NaN").
func ParseRate(s string) (int64, error) {
	num, mult := splitSuffix(strings.TrimSpace(s))
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("invalid rate %q: %s", s, why)
	}
	switch {
	case num == "":
		return bad("want a number of bytes per second, e.g. 512K or 1.5M")
	case num[0] == '-':
		return bad("must be positive")
	case !isDecimal(num):
		return bad("want a number of bytes per second with an optional K, M, G or T suffix, e.g. 512K or 1.5M")
	}
	var bps int64
	if strings.Contains(num, ".") {
		// isDecimal leaves ParseFloat nothing to reject but overflow,
		// which gives +Inf and so fails the range check below.
		v, _ := strconv.ParseFloat(num, 64)
		v *= float64(mult)
		if v >= math.MaxInt64 { // MaxInt64 rounds up to 2^63 here
			return bad("too large")
		}
		bps = int64(v)
	} else {
		// Integers are parsed exactly: a float64 would round large ones.
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v > math.MaxInt64/mult {
			return bad("too large")
		}
		bps = v * mult
	}
	if bps < 1 {
		return bad("must be at least 1 byte per second")
	}
	return bps, nil
}

// splitSuffix splits a unit suffix off s. It compares bytes rather than
// lowering s so that a non-ASCII rune that folds to a letter (such as the
// Kelvin sign) is not taken for a unit.
func splitSuffix(s string) (num string, mult int64) {
	for i, prefix := range []string{"k", "m", "g", "t"} {
		for _, suffix := range []string{prefix + "ib", prefix + "b", prefix} {
			if n := len(s) - len(suffix); n >= 0 && strings.EqualFold(s[n:], suffix) {
				return s[:n], 1 << (10 * (i + 1))
			}
		}
	}
	if n := len(s) - 1; n >= 0 && (s[n] == 'b' || s[n] == 'B') {
		return s[:n], 1
	}
	return s, 1
}

// isDecimal reports whether s is digits with at most one decimal point,
// which is all pv accepts and keeps ParseFloat's extras out.
func isDecimal(s string) bool {
	digits, dots := 0, 0
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// limiter is the part shared by Reader and Writer.
type limiter struct {
	lim   *rate.Limiter
	chunk int
	// ctx is only a stop signal: cancelling it makes rate.Limiter.WaitN
	// return at once, which a bare timer would not.
	ctx    context.Context
	cancel context.CancelFunc
}

func newLimiter(bytesPerSec int64) limiter {
	if bytesPerSec <= 0 {
		panic(fmt.Sprintf("ratelimit: rate must be positive, got %d", bytesPerSec))
	}
	// About a tenth of a second's worth, so that a slow rate is smooth
	// rather than bursty. The floor is 1 byte, not a few hundred: at
	// 100 B/s a 512-byte chunk would be a 5-second burst. The ceiling
	// keeps the first burst small at high rates.
	c := int(min(max(bytesPerSec/10, 1), 64<<10))
	ctx, cancel := context.WithCancel(context.Background())
	// The burst is one chunk so that no chunk ever asks for more tokens
	// than the bucket holds, which WaitN would refuse.
	return limiter{lim: rate.NewLimiter(rate.Limit(bytesPerSec), c), chunk: c, ctx: ctx, cancel: cancel}
}

// wait blocks until the rate allows n more bytes (n <= chunk) or the
// limiter is stopped.
func (l *limiter) wait(n int) {
	_ = l.lim.WaitN(l.ctx, n) // the only possible error is being stopped
}

// Reader delivers what its source reads at a limited rate.
// Read must not be called concurrently; Stop may be, from any goroutine.
type Reader struct {
	r io.Reader
	limiter
}

// NewReader limits reads from r to bytesPerSec on average. Each Read
// delivers at most about a tenth of a second's worth (between 1 byte and
// 64 KiB), and the first such chunk comes without waiting. NewReader panics
// if bytesPerSec is not positive.
func NewReader(r io.Reader, bytesPerSec int64) *Reader {
	return &Reader{r: r, limiter: newLimiter(bytesPerSec)}
}

// Read reads at most one chunk, then waits until the rate allows the bytes
// it got. It waits after the read, not before, so that a Read blocked on a
// silent source is not also waiting for tokens, and it accounts only for
// bytes actually read. Once the Reader is stopped, Read returns 0,
// ErrStopped without reading.
func (l *Reader) Read(p []byte) (int, error) {
	if l.ctx.Err() != nil {
		return 0, ErrStopped
	}
	n, err := l.r.Read(p[:min(len(p), l.chunk)])
	if n > 0 {
		l.wait(n)
	}
	return n, err
}

// Stop ends a Read that is waiting on the rate at once: it returns the
// bytes it has already read, so none are lost, and later Reads return
// ErrStopped. Stop does not interrupt a Read blocked on the source itself;
// close the source for that. To stop with a context, use
// context.AfterFunc(ctx, r.Stop). Stop may be called more than once.
func (l *Reader) Stop() { l.cancel() }

// Writer writes to its destination at a limited rate.
// Write must not be called concurrently; Stop may be, from any goroutine.
type Writer struct {
	w io.Writer
	limiter
}

// NewWriter limits writes to w to bytesPerSec on average, splitting each
// Write into chunks of about a tenth of a second's worth (between 1 byte
// and 64 KiB). NewWriter panics if bytesPerSec is not positive.
func NewWriter(w io.Writer, bytesPerSec int64) *Writer {
	return &Writer{w: w, limiter: newLimiter(bytesPerSec)}
}

// Write writes p a chunk at a time, waiting after each until the rate
// allows the bytes written, and returns how many bytes were written.
func (l *Writer) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if l.ctx.Err() != nil {
			return n, ErrStopped
		}
		c := p[:min(len(p), l.chunk)]
		m, err := l.w.Write(c)
		n += m
		if m > 0 {
			l.wait(m)
		}
		if err == nil && m < len(c) {
			err = io.ErrShortWrite // a broken Writer; don't loop on it
		}
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// Stop ends a Write that is waiting on the rate at once: it returns the
// count written so far with ErrStopped, unless all of p was written, and
// later Writes return ErrStopped. Stop does not interrupt a Write blocked
// on the destination itself. To stop with a context, use
// context.AfterFunc(ctx, w.Stop). Stop may be called more than once.
func (l *Writer) Stop() { l.cancel() }
