//go:build !linux

package rawio

import "net"

// Wrap returns c: the standard reads and writes apply here.
func Wrap(c net.Conn) net.Conn { return c }
