package ratelimit

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"100", 100}, {"1k", 1024}, {"1K", 1024}, {"512k", 512 << 10},
		{"2M", 2 << 20}, {"2MiB", 2 << 20}, {"2mib", 2 << 20}, {"2mb", 2 << 20},
		{"1.5K", 1536}, {"1.5M", 1572864}, {"1G", 1 << 30}, {"1T", 1 << 40},
		{"100B", 100}, {" 7 ", 7}, {".5K", 512}, {"1.", 1}, {"1.9", 1}, {"007", 7},
		{"9223372036854775807", 1<<63 - 1}, {"8388607T", 8388607 << 40}, {"8388607.5T", 8388607<<40 + 1<<39},
	} {
		if got, err := ParseRate(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, why string }{
		{"", "want a number"}, {"  ", "want a number"}, {"0", "at least 1"},
		{"0.5", "at least 1"}, {"0K", "at least 1"}, {"-1", "positive"},
		{"-1K", "positive"}, {"x", "suffix"}, {"2X", "suffix"}, {"K", "want a number"},
		{"MiB", "want a number"}, {"iB", "suffix"}, {"2iB", "suffix"}, {"2 M", "suffix"},
		{"1e400", "suffix"}, {"1e3", "suffix"}, {"NaN", "suffix"}, {"Inf", "suffix"},
		{"+5", "suffix"}, {"0x10", "suffix"}, {"1_000", "suffix"}, {".", "suffix"},
		{"1.2.3", "suffix"}, {"1KK", "suffix"}, {"1\u212A", "suffix"},
		{"9999999T", "too large"}, {"9223372036854775808", "too large"},
		{"8388608T", "too large"}, {"8388608.0T", "too large"},
		{strings.Repeat("9", 400) + ".0", "too large"},
	} {
		got, err := ParseRate(tt.in)
		if err == nil {
			t.Errorf("ParseRate(%q) = %d, want an error", tt.in, got)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, fmt.Sprintf("invalid rate %q: ", tt.in)) || !strings.Contains(msg, tt.why) {
			t.Errorf("ParseRate(%q) error %q, want it to name the input and say %q", tt.in, msg, tt.why)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"2M", "1.5k", "100", "7GiB", "0", "-1", "1e400", "9999999T", ".5kb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseRate(s)
		if err != nil {
			return
		}
		if v < 1 {
			t.Fatalf("ParseRate(%q) = %d, want > 0", s, v)
		}
		if back, err := ParseRate(strconv.FormatInt(v, 10)); err != nil || back != v {
			t.Fatalf("ParseRate(%q) = %d, but reparsing gives %d, %v", s, v, back, err)
		}
	})
}

// accuracy bounds: the machine is shared and noisy, so this only checks that
// the limit holds (not faster than 90% of the nominal time) and that nothing
// is grossly wrong (not slower than 3x).
func checkElapsed(t *testing.T, n, bps int, elapsed time.Duration) {
	t.Helper()
	// The bucket starts full, so the first chunk costs no time.
	nominal := time.Duration(float64(n-chunkFor(bps)) / float64(bps) * float64(time.Second))
	if elapsed < nominal*9/10 || elapsed > nominal*3 {
		t.Errorf("%d bytes at %d B/s took %v, nominal %v", n, bps, elapsed, nominal)
	}
}

func chunkFor(bps int) int { return newLimiter(int64(bps)).chunk }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestReaderRate copies about 1.5 s of data at 1 MiB/s.
func TestReaderRate(t *testing.T) {
	t.Parallel()
	const bps = 1 << 20
	data := randomBytes(bps * 3 / 2)
	start := time.Now()
	got, err := io.ReadAll(NewReader(bytes.NewReader(data), bps))
	elapsed := time.Since(start)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d of %d bytes (equal: %v), err %v", len(got), len(data), bytes.Equal(got, data), err)
	}
	checkElapsed(t, len(data), bps, elapsed)
}

// TestWriterRate copies about 1.5 s of data at 1 MiB/s in one Write.
func TestWriterRate(t *testing.T) {
	t.Parallel()
	const bps = 1 << 20
	data := randomBytes(bps * 3 / 2)
	var out bytes.Buffer
	start := time.Now()
	n, err := NewWriter(&out, bps).Write(data)
	elapsed := time.Since(start)
	if err != nil || n != len(data) || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("Write = %d, %v (equal: %v)", n, err, bytes.Equal(out.Bytes(), data))
	}
	checkElapsed(t, len(data), bps, elapsed)
}

// TestChunk: one Read or one chunk of a Write is about a tenth of a
// second's worth, between 1 byte and 64 KiB.
func TestChunk(t *testing.T) {
	for _, tt := range []struct{ bps, want int }{
		{1, 1}, {9, 1}, {100, 10}, {1000, 100}, {655360, 65536}, {1 << 40, 65536},
	} {
		if got := chunkFor(tt.bps); got != tt.want {
			t.Errorf("chunk at %d B/s = %d, want %d", tt.bps, got, tt.want)
		}
	}
	r := NewReader(bytes.NewReader(make([]byte, 1000)), 100)
	if n, _ := r.Read(make([]byte, 1000)); n != 10 {
		t.Errorf("first read at 100 B/s gave %d bytes, want 10", n)
	}
	var sizes sizeRecorder
	if n, err := NewWriter(&sizes, 1000).Write(make([]byte, 250)); n != 250 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := []int{100, 100, 50}; fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("Write at 1000 B/s wrote chunks %v, want %v", sizes, want)
	}
}

type sizeRecorder []int

func (s *sizeRecorder) Write(p []byte) (int, error) {
	*s = append(*s, len(p))
	return len(p), nil
}

// TestShortWrite: a destination that writes less without an error must not
// make Write spin.
func TestShortWrite(t *testing.T) {
	n, err := NewWriter(halfWriter{}, 1<<20).Write(make([]byte, 10))
	if n != 5 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Write = %d, %v; want 5, ErrShortWrite", n, err)
	}
}

type halfWriter struct{}

func (halfWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestBadRatePanics(t *testing.T) {
	for _, bps := range []int64{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewReader at %d B/s did not panic", bps)
				}
			}()
			NewReader(strings.NewReader(""), bps)
		}()
	}
}

// signal is an endless source and a bottomless sink that reports each call
// on called, so a test knows the next step is the wait on the limiter.
type signal struct{ called chan struct{} }

func newSignal() signal { return signal{make(chan struct{}, 1)} }

func (s signal) notify() {
	select {
	case s.called <- struct{}{}:
	default:
	}
}

func (s signal) Read(p []byte) (int, error)  { s.notify(); return len(p), nil }
func (s signal) Write(p []byte) (int, error) { s.notify(); return len(p), nil }

// indebt empties l's bucket and borrows far ahead, so that its next wait
// would take about a minute and a prompt return can only be Stop's doing.
func indebt(l *limiter) {
	for range 60 {
		l.lim.ReserveN(time.Now(), l.chunk)
	}
}

const stopBound = 10 * time.Second // generous: the unstopped wait is ~60 s

func TestReaderStop(t *testing.T) {
	src := newSignal()
	r := NewReader(src, 1)
	indebt(&r.limiter)
	type result struct {
		n   int
		err error
	}
	done := make(chan result)
	go func() {
		n, err := r.Read(make([]byte, 8))
		done <- result{n, err}
	}()
	<-src.called
	r.Stop()
	select {
	case res := <-done:
		if res.n != 1 || res.err != nil {
			t.Errorf("stopped Read = %d, %v; want the 1 byte already read", res.n, res.err)
		}
	case <-time.After(stopBound):
		t.Fatalf("Read still waiting %v after Stop", stopBound)
	}
	if n, err := r.Read(make([]byte, 8)); n != 0 || err != ErrStopped {
		t.Errorf("Read after Stop = %d, %v; want 0, ErrStopped", n, err)
	}
	select {
	case <-src.called:
		t.Error("Read after Stop read from the source")
	default:
	}
	r.Stop() // idempotent
}

// TestReaderStopCopy: Stop ends an io.Copy from an endless source, with a
// context as the trigger.
func TestReaderStopCopy(t *testing.T) {
	src := newSignal()
	r := NewReader(src, 1000)
	ctx, cancel := context.WithCancel(t.Context())
	defer context.AfterFunc(ctx, r.Stop)()
	done := make(chan error)
	go func() {
		_, err := io.Copy(io.Discard, r)
		done <- err
	}()
	<-src.called
	cancel()
	select {
	case err := <-done:
		if err != ErrStopped {
			t.Errorf("io.Copy = %v, want ErrStopped", err)
		}
	case <-time.After(stopBound):
		t.Fatalf("io.Copy still running %v after cancel", stopBound)
	}
}

func TestWriterStop(t *testing.T) {
	dst := newSignal()
	w := NewWriter(dst, 1)
	indebt(&w.limiter)
	type result struct {
		n   int
		err error
	}
	done := make(chan result)
	go func() {
		n, err := w.Write(make([]byte, 100))
		done <- result{n, err}
	}()
	<-dst.called
	w.Stop()
	select {
	case res := <-done:
		if res.n != 1 || res.err != ErrStopped {
			t.Errorf("stopped Write = %d, %v; want 1, ErrStopped", res.n, res.err)
		}
	case <-time.After(stopBound):
		t.Fatalf("Write still waiting %v after Stop", stopBound)
	}
	if n, err := w.Write([]byte("x")); n != 0 || err != ErrStopped {
		t.Errorf("Write after Stop = %d, %v; want 0, ErrStopped", n, err)
	}
}

func ExampleNewReader() {
	// 1 MiB/s, as for --rate 1M; a short text fits in the first chunk.
	r := NewReader(strings.NewReader("hello, world\n"), 1<<20)
	if _, err := io.Copy(os.Stdout, r); err != nil {
		fmt.Println(err)
	}
	// Output: hello, world
}

// BenchmarkReader measures the overhead at a rate too high to throttle.
func BenchmarkReader(b *testing.B) {
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	r := NewReader(zeros{}, 1<<50)
	for b.Loop() {
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Fatal(err)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
