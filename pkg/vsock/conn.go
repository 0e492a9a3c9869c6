package vsock

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Conn is a connected vsock stream socket. It is a net.Conn whose errors
// are *net.OpErrors, as package net's are (net.ErrClosed after Close,
// os.ErrDeadlineExceeded after a deadline), and it ends either direction
// alone with CloseWrite and CloseRead.
type Conn struct {
	f             *os.File
	rc            syscall.RawConn
	local, remote *Addr
	closed        atomic.Bool // for net.ErrClosed: os.File's errors vary
}

var _ net.Conn = (*Conn)(nil)

// Read reads from the connection; io.EOF once the peer has shut its write
// side down (or after CloseRead).
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.f.Read(b)
	if err != nil && err != io.EOF {
		err = c.opError("read", err)
	}
	return n, err
}

// Write writes all of b unless an error (or the write deadline) stops it.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	if err != nil {
		err = c.opError("write", err)
	}
	return n, err
}

// Close closes the connection; a Read or Write waiting on it returns
// net.ErrClosed.
func (c *Conn) Close() error {
	c.closed.Store(true)
	if err := c.f.Close(); err != nil {
		return c.opError("close", err)
	}
	return nil
}

// LocalAddr returns this end's *Addr.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's *Addr.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.f.SetDeadline(t); err != nil {
		return c.opError("set", err)
	}
	return nil
}

// SetReadDeadline sets the deadline for Read; a Read waiting when it
// passes returns an error matching os.ErrDeadlineExceeded.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if err := c.f.SetReadDeadline(t); err != nil {
		return c.opError("set", err)
	}
	return nil
}

// SetWriteDeadline sets the deadline for Write.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if err := c.f.SetWriteDeadline(t); err != nil {
		return c.opError("set", err)
	}
	return nil
}

// SyscallConn gives the raw socket, as net.TCPConn's does.
func (c *Conn) SyscallConn() (syscall.RawConn, error) { return c.f.SyscallConn() }

// opError makes err, from the *os.File or a syscall, look like package
// net's: a *net.OpError with the addresses, net.ErrClosed for a closed
// connection, and the errno inside an *os.SyscallError.
func (c *Conn) opError(op string, err error) error {
	if c.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: "vsock", Source: c.local, Addr: c.remote, Err: netErr(op, err)}
}

// netErr strips the *os.PathError of an *os.File error and translates
// os.ErrClosed to net.ErrClosed.
func netErr(syscallName string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var errno syscall.Errno
	switch {
	case errors.Is(err, os.ErrClosed), errors.Is(err, net.ErrClosed):
		return net.ErrClosed
	case errors.Is(err, os.ErrDeadlineExceeded):
		return os.ErrDeadlineExceeded
	case errors.As(err, &errno):
		return os.NewSyscallError(syscallName, errno)
	}
	return err
}
