//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package broker

import "net"

// waitReadable returns at once here: the read itself waits, holding its
// buffer.
func waitReadable(net.Conn) error { return nil }
