// Package progress shows gcat's --progress: how many bytes have been sent
// and received, how fast, and for how long, on stderr. It never writes
// anywhere but the writer it is given (stderr; never stdout).
//
// A Meter is shared by every connection of a run; its counters are atomic.
// It has two modes, chosen by the caller (live when stderr is a terminal):
//
// Live: from Start on, a line is redrawn in place every 250 ms (the first
// time 250 ms after Start):
//
//	"\r" + line + "\x1b[K"
//
// where line is, for instance,
//
//	gcat: sent    1.50 MiB  512 KiB/s | recv   12.00 KiB      0 B/s | 00:03
//
// The sizes are totals; the rates are current, measured over the last second
// or so (over the time since New during the first second). The time is
// mm:ss, h:mm:ss from an hour on. Every field has a fixed width up to
// 1023.99 GiB and 1023 GiB/s, so the line does not jitter. It is ASCII only,
// 71 columns (73 from an hour on, 74 from 10 hours on), and is cut to the
// terminal's width minus one when that is known (w is an *os.File whose size
// golang.org/x/term can read), and to 79 columns in any case. Stop joins the
// redrawing goroutine, erases the line ("\r\x1b[K") and writes the summary
// below in its place.
//
// Not live: nothing is written until Stop, which writes one line, the same
// summary.
//
// The summary, in both modes, is one line ending in "\n":
//
//	gcat: sent 1.50 MiB (1572864 bytes), received 0 B (0 bytes) in 3.00 s (512 KiB/s up, 0 B/s down)
//
// with the time from New to Stop in seconds with two decimals (as ncat -v
// reports it) and the rates the averages over that time.
//
// Sizes are in binary units: "0 B" to "1023 B" as integers, then KiB, MiB,
// GiB, TiB, PiB, EiB with two decimals ("1.50 MiB"). Rates are "N B/s" below
// 1 KiB/s, then three significant digits ("9.99 KiB/s", "12.3 MiB/s",
// "512 KiB/s").
package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

const (
	// refresh is how often the live line is redrawn.
	refresh = 250 * time.Millisecond
	// window is the span over which the live rates are measured.
	window = time.Second
	// maxWidth bounds the live line when the terminal's width is unknown.
	maxWidth = 79
	// eraseLine is carriage return and erase to the end of the line.
	eraseLine = "\r\x1b[K"
)

// Meter counts the bytes sent and received by a run and shows them. It is
// safe for concurrent use: many connections may count into one Meter.
type Meter struct {
	w     io.Writer
	live  bool
	now   func() time.Time // the clock; time.Now but in tests
	every time.Duration    // the redraw interval; refresh but in tests
	start time.Time

	sent, received atomic.Int64

	mu      sync.Mutex // guards what follows
	started bool
	stopped bool
	quit    chan struct{} // closed by Stop to end the redrawing goroutine
	done    chan struct{} // closed by that goroutine when it returns
	samples []sample      // the counts at the last draws, oldest first
}

// sample is the counts at one time, to measure the current rates.
type sample struct {
	at             time.Time
	sent, received int64
}

// New returns a Meter that writes to w (stderr). With live set it redraws
// its line from Start to Stop; the caller decides, typically with
// term.IsTerminal on stderr's file descriptor. The elapsed time counts from
// New.
func New(w io.Writer, live bool) *Meter {
	return newMeter(w, live, time.Now)
}

func newMeter(w io.Writer, live bool, now func() time.Time) *Meter {
	start := now()
	return &Meter{
		w: w, live: live, now: now, every: refresh, start: start,
		samples: []sample{{at: start}},
	}
}

// Start starts redrawing the live line. It does nothing on a Meter that is
// not live, or once started or stopped.
func (m *Meter) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.live || m.started || m.stopped {
		return
	}
	m.started = true
	m.quit, m.done = make(chan struct{}), make(chan struct{})
	go m.run(m.quit, m.done, m.every)
}

func (m *Meter) run(quit <-chan struct{}, done chan<- struct{}, every time.Duration) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			m.draw(m.now())
		case <-quit:
			return
		}
	}
}

// Stop stops the redrawing and waits for its goroutine to return, erases
// the live line and writes the summary line. Only the first call does
// anything; Stop without Start just writes the summary.
func (m *Meter) Stop() {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	m.stopped = true
	quit, done := m.quit, m.done
	m.mu.Unlock()
	if quit != nil {
		close(quit)
		<-done
	}
	out := m.summary(m.now()) + "\n"
	if m.live {
		out = eraseLine + out
	}
	io.WriteString(m.w, out)
}

// AddSent counts n bytes as sent.
func (m *Meter) AddSent(n int64) { m.sent.Add(n) }

// AddReceived counts n bytes as received.
func (m *Meter) AddReceived(n int64) { m.received.Add(n) }

// SentReader returns a reader of r that counts the bytes read as sent.
func (m *Meter) SentReader(r io.Reader) io.Reader { return &countingReader{r, &m.sent} }

// ReceivedReader returns a reader of r that counts the bytes read as
// received.
func (m *Meter) ReceivedReader(r io.Reader) io.Reader { return &countingReader{r, &m.received} }

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n.Add(int64(n))
	}
	return n, err
}

// draw writes the live line as of now. The redrawing goroutine calls it;
// tests call it directly with their own times.
func (m *Meter) draw(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	line := truncate(m.line(now), m.width())
	io.WriteString(m.w, "\r"+line+"\x1b[K")
}

// line records a sample at now and returns the live line. m.mu is held.
func (m *Meter) line(now time.Time) string {
	cur := sample{at: now, sent: m.sent.Load(), received: m.received.Load()}
	// Keep the newest sample at least a window old, and all after it.
	i := 0
	for i+1 < len(m.samples) && now.Sub(m.samples[i+1].at) >= window {
		i++
	}
	m.samples = append(m.samples[i:], cur)
	old := m.samples[0]
	var up, down float64
	if dt := now.Sub(old.at).Seconds(); dt > 0 {
		up = float64(cur.sent-old.sent) / dt
		down = float64(cur.received-old.received) / dt
	}
	return fmt.Sprintf("gcat: sent %11s %10s | recv %11s %10s | %s",
		formatSize(cur.sent), formatRate(up), formatSize(cur.received), formatRate(down),
		formatElapsed(now.Sub(m.start)))
}

// width is how many columns the live line may take.
func (m *Meter) width() int {
	if f, ok := m.w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 1 {
			return min(cols-1, maxWidth)
		}
	}
	return maxWidth
}

// summary is the final line as of now, without its newline.
func (m *Meter) summary(now time.Time) string {
	s, r := m.sent.Load(), m.received.Load()
	el := now.Sub(m.start)
	var up, down float64
	if sec := el.Seconds(); sec > 0 {
		up, down = float64(s)/sec, float64(r)/sec
	}
	return fmt.Sprintf("gcat: sent %s (%d bytes), received %s (%d bytes) in %.2f s (%s up, %s down)",
		formatSize(s), s, formatSize(r), r, el.Seconds(), formatRate(up), formatRate(down))
}

var units = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// formatSize is n bytes in binary units: "1023 B", "1.00 KiB", "1.50 MiB".
func formatSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for i, u := range units {
		v /= 1024
		// Rounded to two decimals, 1023.995 and up would read "1024.00".
		if v < 1023.995 || i == len(units)-1 {
			return fmt.Sprintf("%.2f %s", v, u)
		}
	}
	panic("unreachable")
}

// formatRate is bps bytes a second with three significant digits:
// "0 B/s", "1000 B/s", "1.00 KiB/s", "12.3 KiB/s", "512 MiB/s".
func formatRate(bps float64) string {
	if !(bps >= 0) || math.IsInf(bps, 1) { // negative or NaN: nothing known
		bps = 0
	}
	if bps < 1023.5 {
		return fmt.Sprintf("%.0f B/s", bps)
	}
	v := bps
	for i, u := range units {
		v /= 1024
		switch {
		case v < 9.995:
			return fmt.Sprintf("%.2f %s/s", v, u)
		case v < 99.95:
			return fmt.Sprintf("%.1f %s/s", v, u)
		case v < 1023.5 || i == len(units)-1:
			return fmt.Sprintf("%.0f %s/s", v, u)
		}
	}
	panic("unreachable")
}

// formatElapsed is d as mm:ss, or h:mm:ss from an hour on.
func formatElapsed(d time.Duration) string {
	s := max(int64(d/time.Second), 0)
	if s < 3600 {
		return fmt.Sprintf("%02d:%02d", s/60, s%60)
	}
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// truncate cuts the ASCII line s to width columns.
func truncate(s string, width int) string {
	if width < 0 {
		width = 0
	}
	if len(s) <= width {
		return s
	}
	return strings.TrimRight(s[:width], " ")
}
