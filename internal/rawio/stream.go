package rawio

import "net"

// IsStreamSocket reports whether x is a TCP or Unix stream socket: what
// Wrap takes (on Linux), and what the relay's raw and splice paths take.
func IsStreamSocket(x any) bool {
	switch c := x.(type) {
	case *net.TCPConn:
		return true
	case *net.UnixConn:
		a := c.LocalAddr()
		return a != nil && a.Network() == "unix"
	}
	return false
}
