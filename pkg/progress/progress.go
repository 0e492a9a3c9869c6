// Package progress shows --progress: a pv-like line on stderr with the bytes
// sent and received, the current rate each way and the time elapsed,
// redrawn a few times a second while stderr is a terminal and cleared at the
// end; then, terminal or not, one summary line.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// refresh is how often the live line is redrawn.
const refresh = 250 * time.Millisecond

// Meter counts the bytes of one run (all its connections) and shows them.
type Meter struct {
	w     io.Writer
	live  bool
	start time.Time

	sent, received atomic.Int64

	// The rate is measured over the last redraw interval.
	lastAt             time.Time
	lastSent, lastRecv int64

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// New returns a Meter writing to w. live draws the refreshed line; the
// caller decides, from whether w is a terminal.
func New(w io.Writer, live bool) *Meter {
	now := time.Now()
	return &Meter{w: w, live: live, start: now, lastAt: now, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start starts redrawing the live line.
func (m *Meter) Start() {
	if !m.live {
		close(m.done)
		return
	}
	go func() {
		defer close(m.done)
		t := time.NewTicker(refresh)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				m.draw(now)
			case <-m.stop:
				return
			}
		}
	}()
}

// Stop stops the redraws (joined), clears the live line and prints the
// summary. It may be called more than once.
func (m *Meter) Stop() {
	m.stopOnce.Do(func() {
		close(m.stop)
		<-m.done
		if m.live {
			io.WriteString(m.w, "\r\x1b[K")
		}
		fmt.Fprintln(m.w, m.summary(time.Now()))
	})
}

// SentReader counts what is read from r as sent.
func (m *Meter) SentReader(r io.Reader) io.Reader { return &counter{r, &m.sent} }

// ReceivedReader counts what is read from r as received.
func (m *Meter) ReceivedReader(r io.Reader) io.Reader { return &counter{r, &m.received} }

type counter struct {
	r io.Reader
	n *atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// draw writes the live line for time now.
func (m *Meter) draw(now time.Time) {
	s, r := m.sent.Load(), m.received.Load()
	dt := now.Sub(m.lastAt).Seconds()
	var up, down float64
	if dt > 0 {
		up, down = float64(s-m.lastSent)/dt, float64(r-m.lastRecv)/dt
	}
	m.lastAt, m.lastSent, m.lastRecv = now, s, r
	line := fmt.Sprintf("gcat: %s ↑ %s/s  %s ↓ %s/s  %s", Size(s), Size(int64(up)), Size(r), Size(int64(down)), Elapsed(now.Sub(m.start)))
	if f, ok := m.w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 1 {
			line = truncate(line, width-1)
		}
	}
	fmt.Fprintf(m.w, "\r%s\x1b[K", line)
}

// summary is the final line.
func (m *Meter) summary(now time.Time) string {
	s, r := m.sent.Load(), m.received.Load()
	el := now.Sub(m.start)
	sec := max(el.Seconds(), 1e-9)
	return fmt.Sprintf("gcat: sent %s (%d bytes), received %s (%d bytes) in %s (%s/s up, %s/s down)",
		Size(s), s, Size(r), r, Elapsed(el), Size(int64(float64(s)/sec)), Size(int64(float64(r)/sec)))
}

// Size is n in binary units: "512 B", "1.50 KiB", "3.00 GiB".
func Size(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		if v < 1024 || unit == "TiB" {
			return fmt.Sprintf("%.2f %s", v, unit)
		}
	}
	panic("unreachable")
}

// Elapsed is d as m:ss, or h:mm:ss from an hour on, with tenths under a
// minute.
func Elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	s := int64(d / time.Second)
	if s < 3600 {
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	}
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

func truncate(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	return string(r[:width])
}
