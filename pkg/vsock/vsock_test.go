package vsock

import (
	"net"
	"strings"
	"testing"
)

func TestParseCID(t *testing.T) {
	good := []struct {
		in   string
		want uint32
	}{
		{"0", 0}, {"1", 1}, {"2", 2}, {"3", 3}, {"010", 10}, {"0x10", 16}, {"0X1f", 31},
		{"4294967294", 4294967294}, {"4294967295", CIDAny}, {"0xffffffff", CIDAny},
		{"any", CIDAny}, {"-1", CIDAny},
	}
	for _, tt := range good {
		if got, err := ParseCID(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseCID(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, why string }{
		{"", "want a number"}, {"x", "want a number"}, {"-2", "want a number"}, {"+3", "want a number"},
		{"1.5", "want a number"}, {"1_000", "want a number"}, {"0x", "want a number"}, {"0xg", "want a number"},
		{" 3", "want a number"}, {"ANY", "want a number"}, {"4294967296", "out of range"}, {"0x100000000", "out of range"},
	}
	for _, tt := range bad {
		_, err := ParseCID(tt.in)
		if err == nil {
			t.Errorf("ParseCID(%q) succeeded", tt.in)
			continue
		}
		if want := `invalid vsock CID "` + tt.in + `": `; !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseCID(%q): %q, want %q...%s", tt.in, err, want, tt.why)
		}
	}
}

func TestAddr(t *testing.T) {
	for a, want := range map[Addr]string{{3, 5000}: "3:5000", {CIDAny, PortAny}: "4294967295:4294967295", {}: "0:0"} {
		var na net.Addr = &a
		if na.String() != want || na.Network() != "vsock" {
			t.Errorf("%#v: %q %q, want %q vsock", a, na.String(), na.Network(), want)
		}
		na = a // the value is a net.Addr too
		if na.String() != want {
			t.Errorf("%#v: %q", a, na.String())
		}
	}
}
