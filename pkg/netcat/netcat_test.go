package netcat

import (
	"net"
	"testing"
)

func TestHostPort(t *testing.T) {
	tests := []struct {
		addr       net.Addr
		host, port string
	}{
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80}, "127.0.0.1", "80"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 31337}, "::1", "31337"}, // no brackets, as ncat
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, "localhost", ""},
		{&net.UnixAddr{Name: "", Net: "unix"}, "localhost", ""}, // an unnamed client socket
	}
	for _, tt := range tests {
		if h, p := hostPort(tt.addr); h != tt.host || p != tt.port {
			t.Errorf("hostPort(%v) = %q, %q; want %q, %q", tt.addr, h, p, tt.host, tt.port)
		}
	}
}
