//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package broker

import (
	"net"
	"syscall"
)

// waitReadable blocks until conn has bytes (or EOF, or an error) to read,
// without holding a read buffer meanwhile: most of a broker's clients are
// idle most of the time, and 8 KiB each would be most of their cost.
//
// Only plain TCP and Unix conns are waited on. A wrapper that is a
// syscall.Conn may have bytes buffered above the socket (after a proxy
// handshake, say) that peeking at the socket would not see; for those it
// returns nil at once and the read itself waits.
func waitReadable(conn net.Conn) error {
	var sc syscall.Conn
	switch c := conn.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc.Read(peekReady)
}

// peekReady reports whether a read on fd would not block. Returning false
// makes the runtime wait for the poller to report fd readable, then ask
// again.
func peekReady(fd uintptr) bool {
	var b [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		return true
	}
}
