package progress

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSizeAndElapsed(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.00 KiB", 1536: "1.50 KiB", 3 << 30: "3.00 GiB", 5 << 40: "5.00 TiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{1500 * time.Millisecond: "1.5s", 61 * time.Second: "1:01", 3723 * time.Second: "1:02:03"} {
		if got := Elapsed(d); got != want {
			t.Errorf("Elapsed(%v) = %q, want %q", d, got, want)
		}
	}
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

// TestNotLive: without a terminal, nothing until Stop, then one line.
func TestNotLive(t *testing.T) {
	var out syncBuffer
	m := New(&out, false)
	m.Start()
	io.Copy(io.Discard, m.SentReader(strings.NewReader(strings.Repeat("x", 2048))))
	io.Copy(io.Discard, m.ReceivedReader(strings.NewReader("abc")))
	if out.String() != "" {
		t.Fatalf("wrote %q before Stop", out.String())
	}
	m.Stop()
	m.Stop()
	got := out.String()
	if strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, "gcat: sent 2.00 KiB (2048 bytes), received 3 B (3 bytes) in ") {
		t.Fatalf("summary %q", got)
	}
}

// TestLive: the live line is redrawn in place and cleared before the summary.
func TestLive(t *testing.T) {
	var out syncBuffer
	m := New(&out, true)
	io.Copy(io.Discard, m.SentReader(strings.NewReader(strings.Repeat("x", 4096))))
	m.draw(m.start.Add(time.Second))
	if got := out.String(); got != "\rgcat: 4.00 KiB ↑ 4.00 KiB/s  0 B ↓ 0 B/s  1.0s\x1b[K" {
		t.Fatalf("frame %q", got)
	}
	m.Start()
	m.Stop()
	if got := out.String(); !strings.Contains(got, "\r\x1b[Kgcat: sent 4.00 KiB") || !strings.HasSuffix(got, "\n") {
		t.Fatalf("not cleared before the summary: %q", got)
	}
}

// TestStopJoins: no goroutine is left behind.
func TestStopJoins(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		m := New(io.Discard, true)
		m.Start()
		m.Stop()
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after", before, after)
	}
}

func TestConcurrentCounting(t *testing.T) {
	m := New(io.Discard, false)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(io.Discard, m.SentReader(strings.NewReader(strings.Repeat("y", 1000))))
		}()
	}
	wg.Wait()
	if m.sent.Load() != 8000 {
		t.Fatalf("counted %d", m.sent.Load())
	}
}
