//go:build linux

package vsock

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Listener is a listening vsock stream socket, a net.Listener.
type Listener struct {
	f      *os.File
	rc     syscall.RawConn
	addr   *Addr
	closed atomic.Bool
}

var _ net.Listener = (*Listener)(nil)

// Listen listens on port of cid: CIDAny for every CID of this machine (as
// ncat --vsock -l with no CID), and PortAny for a port the kernel chooses,
// which Addr then reports.
func Listen(cid, port uint32) (*Listener, error) {
	op := "vsock listen on " + opAddr(cid, port)
	fd, err := socket()
	if err != nil {
		return nil, explain(op, cid, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrVM{CID: cid, Port: port}); err != nil {
		unix.Close(fd)
		return nil, explain(op, cid, err)
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		return nil, explain(op, cid, err)
	}
	addr := sockaddr(unix.Getsockname(fd))
	if addr == nil {
		addr = &Addr{CID: cid, Port: port}
	}
	f := os.NewFile(uintptr(fd), "vsock-listener")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, explain(op, cid, err)
	}
	return &Listener{f: f, rc: rc, addr: addr}, nil
}

// Accept waits for a connection and returns it as a *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptVsock()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptVsock is Accept without the interface. Close, from any goroutine,
// ends a waiting AcceptVsock with an error matching net.ErrClosed; the
// deadline set by SetDeadline with one matching os.ErrDeadlineExceeded.
func (l *Listener) AcceptVsock() (*Conn, error) {
	var nfd int
	var sa unix.Sockaddr
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		for {
			nfd, sa, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			switch {
			case errors.Is(aerr, unix.EINTR), errors.Is(aerr, unix.ECONNABORTED):
				continue // a connection that went away before we took it
			case errors.Is(aerr, unix.EAGAIN):
				return false // wait in the poller
			}
			return true
		}
	})
	if err == nil && aerr == nil {
		if nfd, err = highFD(nfd); err != nil {
			return nil, l.opError(err)
		}
		var remote *Addr
		if vm, ok := sa.(*unix.SockaddrVM); ok {
			remote = &Addr{CID: vm.CID, Port: vm.Port}
		}
		c, err := newConn(nfd, remote)
		if err != nil {
			return nil, l.opError(err)
		}
		return c, nil
	}
	if err == nil {
		err = aerr
	}
	return nil, l.opError(err)
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
