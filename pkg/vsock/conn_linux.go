//go:build linux

package vsock

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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

// newConn wraps fd, a connected non-blocking socket that it now owns.
// remote is the peer's address if the caller has it (accept does).
func newConn(fd int, remote *Addr) (*Conn, error) {
	f := os.NewFile(uintptr(fd), "vsock")
	return fileConn(f, remote)
}

func fileConn(f *os.File, remote *Addr) (*Conn, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	c := &Conn{f: f, rc: rc, local: &Addr{}, remote: remote}
	rc.Control(func(fd uintptr) {
		if a := sockaddr(unix.Getsockname(int(fd))); a != nil {
			c.local = a
		}
		if c.remote == nil {
			c.remote = sockaddr(unix.Getpeername(int(fd)))
		}
	})
	if c.remote == nil {
		c.remote = &Addr{}
	}
	return c, nil
}

// sockaddr converts a vsock unix.Sockaddr, or gives nil.
func sockaddr(sa unix.Sockaddr, err error) *Addr {
	if vm, ok := sa.(*unix.SockaddrVM); ok && err == nil {
		return &Addr{CID: vm.CID, Port: vm.Port}
	}
	return nil
}

// Dial connects to port on cid. ctx bounds the connect: its deadline ends
// it with "timed out" (an error that matches context.DeadlineExceeded),
// and cancelling it ends it with context.Canceled. With a deadline the
// kernel's own vsock connect timeout (2 s by default) is raised to match,
// so that a longer -w is honoured.
//
// CID 1 (CIDLocal) without the vsock_loopback transport fails at once with
// ENODEV: the kernel would otherwise send the request to the hypervisor,
// which drops it, and the connect would only time out.
func Dial(ctx context.Context, cid, port uint32) (*Conn, error) {
	op := "vsock connect to " + opAddr(cid, port)
	if err := ctx.Err(); err != nil {
		return nil, explain(op, cid, err)
	}
	if cid == CIDLocal {
		if err := Loopback(); errors.Is(err, unix.EADDRNOTAVAIL) {
			return nil, explain(op, cid, unix.ENODEV)
		}
	}
	fd, err := socket()
	if err != nil {
		return nil, explain(op, cid, err)
	}
	if d, ok := ctx.Deadline(); ok {
		setConnectTimeout(fd, time.Until(d))
	}
	f, err := connect(ctx, fd, &unix.SockaddrVM{CID: cid, Port: port})
	if err != nil {
		return nil, explain(op, cid, err)
	}
	c, err := fileConn(f, nil)
	if err != nil {
		return nil, explain(op, cid, err)
	}
	return c, nil
}

// setConnectTimeout sets the kernel's vsock connect timeout a second past
// d, so that ctx's deadline, not the kernel, ends a connect that hangs.
// The kernel's limit is far above any deadline gcat sets; a refusal
// leaves its default.
func setConnectTimeout(fd int, d time.Duration) {
	if d <= 0 {
		return
	}
	tv := unix.NsecToTimeval((d + time.Second).Nanoseconds())
	unix.SetsockoptTimeval(fd, unix.AF_VSOCK, unix.SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv)
}

// aLongTimeAgo is a deadline in the past: setting it wakes a waiter now.
var aLongTimeAgo = time.Unix(1, 0)

// connect connects fd, a non-blocking socket that it takes over, to sa. It
// waits for the connect in the runtime poller (the socket turns writable
// when the connect ends) until ctx is done. It returns the connected
// socket as a pollable *os.File, or the errno, or ctx.Err().
func connect(ctx context.Context, fd int, sa unix.Sockaddr) (*os.File, error) {
	err := unix.Connect(fd, sa)
	switch {
	case err == nil:
		return os.NewFile(uintptr(fd), "vsock"), nil
	case errors.Is(err, unix.EINPROGRESS), errors.Is(err, unix.EALREADY), errors.Is(err, unix.EINTR):
	default:
		unix.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "vsock")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		f.SetWriteDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { f.SetWriteDeadline(aLongTimeAgo) })
	var cerr error
	werr := rc.Write(func(fd uintptr) bool {
		var done bool
		done, cerr = connected(int(fd))
		return done
	})
	stopped := stop()
	switch {
	case cerr != nil:
		f.Close()
		return nil, cerr
	case werr != nil || !stopped:
		// The deadline woke the wait, or ctx ended as the connect did.
		// The poller's deadline, which is ctx's, may fire before ctx's
		// own timer does.
		f.Close()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if errors.Is(werr, os.ErrDeadlineExceeded) {
			return nil, context.DeadlineExceeded
		}
		return nil, werr
	}
	if err := f.SetWriteDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// connected says whether the connect on fd has ended, and how: a pending
// error (SO_ERROR), or a peer (getpeername), or neither while it is still
// in progress. A socket still connecting is not writable; one that is,
// with no error and no peer, was closed, and reports ECONNRESET as a vsock
// connect to a port without a listener does.
func connected(fd int) (bool, error) {
	ended := func() (bool, error) {
		v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return true, err
		}
		switch errno := syscall.Errno(v); errno {
		case 0:
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			return false, nil
		default:
			return true, errno
		}
		if _, err := unix.Getpeername(fd); err == nil {
			return true, nil
		}
		return false, nil
	}
	if done, err := ended(); done {
		return true, err
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	if n, err := unix.Poll(pfd, 0); err != nil || n == 0 || pfd[0].Revents&(unix.POLLOUT|unix.POLLERR|unix.POLLHUP) == 0 {
		return false, nil
	}
	// The state changed between the checks, or the socket closed.
	if done, err := ended(); done {
		return true, err
	}
	return true, unix.ECONNRESET
}

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

// CloseWrite shuts the write side down (shutdown SHUT_WR): the peer reads
// EOF, and data still flows from it.
func (c *Conn) CloseWrite() error { return c.shutdown(unix.SHUT_WR) }

// CloseRead shuts the read side down (shutdown SHUT_RD): Read returns EOF.
func (c *Conn) CloseRead() error { return c.shutdown(unix.SHUT_RD) }

func (c *Conn) shutdown(how int) error {
	var serr error
	if err := c.rc.Control(func(fd uintptr) { serr = unix.Shutdown(int(fd), how) }); err != nil {
		return c.opError("shutdown", err)
	}
	if serr != nil {
		return c.opError("shutdown", serr)
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
