package vsock

import (
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Listener is a listening vsock stream socket, a net.Listener.
type Listener struct {
	f      *os.File
	rc     syscall.RawConn
	addr   *Addr
	closed atomic.Bool
}

var _ net.Listener = (*Listener)(nil)

// Accept waits for a connection and returns it as a *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptVsock()
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (l *Listener) opError(err error) error { return l.error("accept", "accept4", err) }

// error makes err look like package net's, as Conn.opError does.
func (l *Listener) error(op, syscallName string, err error) error {
	if l.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: "vsock", Addr: l.addr, Err: netErr(syscallName, err)}
}

// SetDeadline sets the deadline for Accept; the zero time means none.
func (l *Listener) SetDeadline(t time.Time) error {
	if err := l.f.SetReadDeadline(t); err != nil {
		return l.error("set", "set", err)
	}
	return nil
}

// Close stops listening; a waiting Accept returns net.ErrClosed.
func (l *Listener) Close() error {
	l.closed.Store(true)
	if err := l.f.Close(); err != nil {
		return l.error("close", "close", err)
	}
	return nil
}

// Addr returns the listening *Addr, with the port the kernel chose for
// PortAny. Its CID is CIDAny when listening on every CID.
func (l *Listener) Addr() net.Addr { return l.addr }
