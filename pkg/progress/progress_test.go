package progress

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the meter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// syncBuffer is a bytes.Buffer safe for the meter's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestFormatSize(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1, "1 B"}, {1023, "1023 B"}, {1024, "1.00 KiB"}, {1536, "1.50 KiB"},
		{1048575, "1.00 MiB"}, {1 << 20, "1.00 MiB"}, {1572864, "1.50 MiB"},
		{1023 << 20, "1023.00 MiB"}, {3 << 30, "3.00 GiB"}, {5 << 40, "5.00 TiB"},
		{7 << 50, "7.00 PiB"}, {math.MaxInt64, "8.00 EiB"},
	} {
		if got := formatSize(tt.n); got != tt.want {
			t.Errorf("formatSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for _, tt := range []struct {
		bps  float64
		want string
	}{
		{0, "0 B/s"}, {-5, "0 B/s"}, {math.NaN(), "0 B/s"}, {math.Inf(1), "0 B/s"},
		{0.4, "0 B/s"}, {512, "512 B/s"}, {1023.4, "1023 B/s"}, {1023.6, "1.00 KiB/s"},
		{1024, "1.00 KiB/s"}, {1536, "1.50 KiB/s"}, {10 * 1024, "10.0 KiB/s"},
		{12.34 * 1024, "12.3 KiB/s"}, {99.96 * 1024, "100 KiB/s"}, {522 * 1024, "522 KiB/s"},
		{1023.6 * 1024, "1.00 MiB/s"}, {1 << 30, "1.00 GiB/s"}, {2.5 * (1 << 40), "2.50 TiB/s"},
	} {
		if got := formatRate(tt.bps); got != tt.want {
			t.Errorf("formatRate(%v) = %q, want %q", tt.bps, got, tt.want)
		}
	}
}

func TestFormatElapsed(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00"}, {-time.Second, "00:00"}, {999 * time.Millisecond, "00:00"},
		{3010 * time.Millisecond, "00:03"}, {61 * time.Second, "01:01"},
		{59*time.Minute + 59*time.Second, "59:59"}, {time.Hour, "1:00:00"},
		{3723 * time.Second, "1:02:03"}, {100 * time.Hour, "100:00:00"},
	} {
		if got := formatElapsed(tt.d); got != tt.want {
			t.Errorf("formatElapsed(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestLineFits: the live line stays under 80 columns with every field at
// its widest, and is cut to narrower terminals.
func TestLineFits(t *testing.T) {
	clk := newClock()
	m := newMeter(io.Discard, true, clk.now)
	big := int64(1023<<30 + 1013<<20) // 1023.99 GiB
	m.AddSent(big)
	m.AddReceived(big)
	line := m.line(clk.add(9*time.Hour + 59*time.Minute))
	if len(line) > maxWidth {
		t.Errorf("line is %d columns: %q", len(line), line)
	}
	if got := truncate(line, 20); got != line[:20] || len(got) != 20 {
		t.Errorf("truncate to 20: %q", got)
	}
	if got := truncate("gcat: sent   x", 11); got != "gcat: sent" {
		t.Errorf("truncate drops the trailing blanks: %q", got)
	}
	if got := truncate("abc", -1); got != "" {
		t.Errorf("truncate to -1: %q", got)
	}
	if m.width() != maxWidth {
		t.Errorf("width of a non-file: %d", m.width())
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if w := newMeter(f, true, clk.now).width(); w != maxWidth {
		t.Errorf("width of a regular file: %d", w)
	}
}

// TestLive: frames are "\r" line "\x1b[K", the rates are the current ones
// (over about a second), and Stop erases the line before the summary.
func TestLive(t *testing.T) {
	var out syncBuffer
	clk := newClock()
	m := newMeter(&out, true, clk.now)

	// 256 bytes every 250 ms for 2 s: 1 KiB/s.
	for i := 0; i < 8; i++ {
		io.Copy(io.Discard, m.SentReader(strings.NewReader(strings.Repeat("x", 256))))
		m.draw(clk.add(250 * time.Millisecond))
	}
	want := "\rgcat: sent    2.00 KiB 1.00 KiB/s | recv         0 B      0 B/s | 00:02\x1b[K"
	frames := strings.SplitAfter(out.String(), "\x1b[K")
	if len(frames) != 9 || frames[8] != "" {
		t.Fatalf("%d frames: %q", len(frames)-1, out.String())
	}
	if frames[7] != want {
		t.Fatalf("frame\n%q, want\n%q", frames[7], want)
	}
	for _, f := range frames[:8] {
		if !strings.HasPrefix(f, "\rgcat: sent ") || strings.Contains(f, "\n") {
			t.Fatalf("bad frame %q", f)
		}
	}

	// Then 10 KiB received at once and nothing sent: the upload rate
	// falls to 0 within about a second though its average does not.
	io.Copy(io.Discard, m.ReceivedReader(strings.NewReader(strings.Repeat("y", 10240))))
	clk.add(250 * time.Millisecond)
	for i := 0; i < 4; i++ {
		m.draw(clk.add(250 * time.Millisecond))
	}
	frames = strings.SplitAfter(out.String(), "\x1b[K")
	want = "\rgcat: sent    2.00 KiB      0 B/s | recv   10.00 KiB 8.00 KiB/s | 00:03\x1b[K"
	if got := frames[len(frames)-2]; got != want {
		t.Fatalf("frame\n%q, want\n%q", got, want)
	}

	before := out.String()
	clk.add(10 * time.Millisecond)
	m.Stop()
	got := strings.TrimPrefix(out.String(), before)
	want = "\r\x1b[Kgcat: sent 2.00 KiB (2048 bytes), received 10.00 KiB (10240 bytes) in 3.26 s (628 B/s up, 3.07 KiB/s down)\n"
	if got != want {
		t.Fatalf("Stop wrote\n%q, want\n%q", got, want)
	}
	m.draw(clk.add(time.Second))
	m.Stop()
	if out.String() != before+want {
		t.Fatalf("wrote after Stop: %q", strings.TrimPrefix(out.String(), before+want))
	}
}

// TestLiveGoroutine: Start redraws on its own until Stop.
func TestLiveGoroutine(t *testing.T) {
	var out syncBuffer
	m := newMeter(&out, true, time.Now)
	m.every = time.Millisecond
	m.AddSent(100)
	m.Start()
	m.Start() // no second goroutine
	for deadline := time.Now().Add(5 * time.Second); strings.Count(out.String(), "\x1b[K") < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("no frames: %q", out.String())
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	m.Stop()
	got := out.String()
	i := strings.LastIndex(got, "\r\x1b[K")
	if i < 0 || !strings.HasPrefix(got[i:], "\r\x1b[Kgcat: sent 100 B (100 bytes), received 0 B (0 bytes) in ") ||
		strings.Count(got[i:], "\n") != 1 || !strings.HasSuffix(got, "\n") {
		t.Fatalf("end %q", got)
	}
	if strings.Count(got, "\n") != 1 {
		t.Fatalf("frames are not one line: %q", got)
	}
	time.Sleep(5 * time.Millisecond)
	if out.String() != got {
		t.Fatal("redrawn after Stop")
	}
}

// TestNotLive: without a terminal, nothing until Stop, then exactly one line.
func TestNotLive(t *testing.T) {
	var out syncBuffer
	clk := newClock()
	m := newMeter(&out, false, clk.now)
	m.Start()
	io.Copy(io.Discard, m.SentReader(bytes.NewReader(make([]byte, 1572864))))
	clk.add(3010 * time.Millisecond)
	if out.String() != "" {
		t.Fatalf("wrote %q before Stop", out.String())
	}
	m.Stop()
	m.Stop()
	want := "gcat: sent 1.50 MiB (1572864 bytes), received 0 B (0 bytes) in 3.01 s (510 KiB/s up, 0 B/s down)\n"
	if got := out.String(); got != want {
		t.Fatalf("got\n%q, want\n%q", got, want)
	}
}

// TestStopWithoutStart: Stop does not wait for a goroutine never started,
// and Start after Stop starts nothing.
func TestStopWithoutStart(t *testing.T) {
	var out syncBuffer
	clk := newClock()
	m := newMeter(&out, true, clk.now)
	m.Stop()
	m.Start()
	m.Stop()
	if got, want := out.String(), "\r\x1b[Kgcat: sent 0 B (0 bytes), received 0 B (0 bytes) in 0.00 s (0 B/s up, 0 B/s down)\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestStopJoins: no goroutine is left behind.
func TestStopJoins(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 50; i++ {
		m := New(io.Discard, true)
		m.Start()
		m.Stop()
		m.Stop()
	}
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); after > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		t.Fatalf("%d goroutines before, %d after", before, after)
	}
}

// TestConcurrentCounting: many connections count into one Meter while it
// redraws (run with -race).
func TestConcurrentCounting(t *testing.T) {
	var out syncBuffer
	m := newMeter(&out, true, time.Now)
	m.every = time.Millisecond
	m.Start()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				io.Copy(io.Discard, m.SentReader(strings.NewReader(strings.Repeat("y", 100))))
				io.Copy(io.Discard, m.ReceivedReader(strings.NewReader("z")))
				m.AddSent(1)
				m.AddReceived(2)
			}
		}()
	}
	wg.Wait()
	m.Stop()
	if s, r := m.sent.Load(), m.received.Load(); s != 8*50*101 || r != 8*50*3 {
		t.Fatalf("counted %d sent, %d received", s, r)
	}
	if !strings.Contains(out.String(), "gcat: sent 39.45 KiB (40400 bytes), received 1.17 KiB (1200 bytes) in ") {
		t.Fatalf("summary: %q", out.String())
	}
}
