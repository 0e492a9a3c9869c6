// Package ratelimit limits throughput the way `pv -L` does (--rate,
// --rate-in, --rate-out): readers that deliver at most a given number of
// bytes per second on average, on golang.org/x/time/rate.
package ratelimit

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// ParseRate parses a rate as pv -L takes it: a bare number is bytes per
// second, and K, M, G, T (any case, optionally followed by "B" or "iB")
// multiply by powers of 1024: "2M" is 2 MiB/s, "1.5k" 1536 B/s.
func ParseRate(s string) (int64, error) {
	num := strings.TrimSpace(s)
	lower := strings.ToLower(num)
	for _, suffix := range []string{"ib", "b"} {
		if strings.HasSuffix(lower, suffix) && len(lower) > len(suffix) {
			lower = lower[:len(lower)-len(suffix)]
			break
		}
	}
	mult := 1.0
	if n := len(lower); n > 0 {
		if i := strings.IndexByte("kmgt", lower[n-1]); i >= 0 {
			mult = math.Pow(1024, float64(i+1))
			lower = lower[:n-1]
		}
	}
	v, err := strconv.ParseFloat(lower, 64)
	if err != nil || lower == "" || strings.ContainsAny(lower, "xXpP_") {
		return 0, fmt.Errorf("invalid rate %q: want bytes per second, e.g. 500K or 2M", s)
	}
	bps := v * mult
	switch {
	case math.IsNaN(bps) || bps < 1:
		return 0, fmt.Errorf("invalid rate %q: must be at least 1 byte per second", s)
	case bps >= 1<<62:
		return 0, fmt.Errorf("invalid rate %q: too large", s)
	}
	return int64(bps), nil
}

// chunk is how much one Read may deliver at bytesPerSec: about a tenth of
// a second's worth, so that a slow rate is smooth rather than bursty.
func chunk(bytesPerSec int64) int {
	return int(min(max(bytesPerSec/10, 1), 64<<10))
}

// Reader delivers what its source reads at a limited rate.
type Reader struct {
	r   io.Reader
	lim *rate.Limiter
	max int
}

// NewReader limits reads from r to bytesPerSec on average.
func NewReader(r io.Reader, bytesPerSec int64) *Reader {
	c := chunk(bytesPerSec)
	return &Reader{r: r, lim: rate.NewLimiter(rate.Limit(bytesPerSec), c), max: c}
}

// Read reads at most one chunk, then waits until the limit allows the bytes
// it got. It waits after the read, not before, so that a read blocked on a
// silent source does not also hold tokens, and no byte is held back.
func (l *Reader) Read(p []byte) (int, error) {
	if len(p) > l.max {
		p = p[:l.max]
	}
	n, err := l.r.Read(p)
	if n > 0 {
		l.wait(n)
	}
	return n, err
}

func (l *Reader) wait(n int) {
	r := l.lim.ReserveN(time.Now(), n)
	if d := r.Delay(); d > 0 {
		time.Sleep(d)
	}
}

// Writer writes to its destination at a limited rate.
type Writer struct {
	w   io.Writer
	lim *rate.Limiter
	max int
}

// NewWriter limits writes to w to bytesPerSec on average.
func NewWriter(w io.Writer, bytesPerSec int64) *Writer {
	c := chunk(bytesPerSec)
	return &Writer{w: w, lim: rate.NewLimiter(rate.Limit(bytesPerSec), c), max: c}
}

// Write writes p in chunks, each when the limit allows it.
func (l *Writer) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := p[:min(len(p), l.max)]
		if err := l.lim.WaitN(context.Background(), len(c)); err != nil {
			return n, err
		}
		m, err := l.w.Write(c)
		n += m
		if err != nil {
			return n, err
		}
		p = p[len(c):]
	}
	return n, nil
}
