package timespec

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true},
		{"0", 0, true},
		{"500ms", 500 * time.Millisecond, true},
		{"2s", 2 * time.Second, true},
		{"1m", time.Minute, true},
		{"1h", time.Hour, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"0.25s", 250 * time.Millisecond, true},
		{"-1", -time.Second, true},
		{".5", 500 * time.Millisecond, true},
		{"", 0, false},
		{"s", 0, false},
		{"ms", 0, false},
		{"5x", 0, false},
		{"5 s", 0, false},
		{"1e3", 0, false},
		{"inf", 0, false},
		{"nan", 0, false},
		{"0x10", 0, false},
		{"+5", 0, false},
		{"1_0", 0, false},
		{"5d", 0, false},
		{"99999999999h", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.ok && (err != nil || got != tt.want) {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if !tt.ok && !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q) = %v, %v; want ErrSyntax", tt.in, got, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"5", "500ms", "1.5m", "-1", "1h", "", "e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		// Every accepted value is a decimal number of some unit, so the
		// same text with an explicit "s" or already-suffixed must agree.
		if d2, err2 := Parse(s); err2 != nil || d2 != d {
			t.Fatalf("Parse not deterministic for %q", s)
		}
	})
}
