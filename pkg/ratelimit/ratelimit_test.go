package ratelimit

import (
	"bytes"
	"crypto/rand"
	"io"
	"strconv"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"100", 100}, {"1k", 1024}, {"1K", 1024}, {"2M", 2 << 20}, {"2MiB", 2 << 20},
		{"2mb", 2 << 20}, {"1.5K", 1536}, {"1G", 1 << 30}, {"1T", 1 << 40}, {" 7 ", 7},
	} {
		if got, err := ParseRate(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0", "-1", "0.5", "x", "2X", "K", "1e400", "9999999T", "NaN", "Inf", "0x10", "1_000", "MiB"} {
		if got, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %d, want an error", in, got)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"2M", "1.5k", "100", "7GiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseRate(s)
		if err != nil {
			return
		}
		if v < 1 {
			t.Fatalf("%q -> %d", s, v)
		}
		if back, err := ParseRate(strconv.FormatInt(v, 10)); err != nil || back != v {
			t.Fatalf("%q -> %d -> %d, %v", s, v, back, err)
		}
	})
}

// TestReaderRate: 1.5 s of data at 256 KiB/s arrives whole, not much faster
// than the limit and not absurdly slower (the bounds are loose: the machine
// is shared; the accuracy figure is in docs/benchmarks.md).
func TestReaderRate(t *testing.T) {
	const bps = 256 << 10
	data := make([]byte, bps*3/2)
	rand.Read(data)
	start := time.Now()
	got, err := io.ReadAll(NewReader(bytes.NewReader(data), bps))
	elapsed := time.Since(start)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("data changed: %d bytes, %v", len(got), err)
	}
	// The first chunk is a burst, so the nominal time is one chunk less.
	nominal := time.Duration(float64(len(data)-chunk(bps)) / bps * float64(time.Second))
	if elapsed < nominal*9/10 || elapsed > nominal*3 {
		t.Fatalf("%d bytes at %d B/s took %v, nominal %v", len(data), bps, elapsed, nominal)
	}
}

func TestWriterRate(t *testing.T) {
	const bps = 256 << 10
	data := make([]byte, bps*3/2)
	rand.Read(data)
	var out bytes.Buffer
	start := time.Now()
	n, err := NewWriter(&out, bps).Write(data)
	elapsed := time.Since(start)
	if err != nil || n != len(data) || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	nominal := time.Duration(float64(len(data)-chunk(bps)) / bps * float64(time.Second))
	if elapsed < nominal*9/10 || elapsed > nominal*3 {
		t.Fatalf("took %v, nominal %v", elapsed, nominal)
	}
}

// TestChunk: a read never delivers more than about a tenth of a second's
// worth, so slow rates are smooth.
func TestChunk(t *testing.T) {
	r := NewReader(bytes.NewReader(make([]byte, 1000)), 100)
	n, _ := r.Read(make([]byte, 1000))
	if n != 10 {
		t.Fatalf("first read at 100 B/s gave %d bytes, want 10", n)
	}
}
