// Package vsock gives gcat's --vsock mode: Linux AF_VSOCK stream sockets (a
// virtual machine and its host) as net.Conn and net.Listener, with
// deadlines and CloseWrite, so the relay treats them like TCP.
//
// The sockets are non-blocking and wrapped in *os.File, which puts them in
// the Go runtime's poller: reads, writes, accept and connect wait without
// tying up a thread, and deadlines and Close interrupt them.
package vsock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// CIDAny listens on every CID of this machine.
const CIDAny = unix.VMADDR_CID_ANY

// Addr is a vsock address.
type Addr struct{ CID, Port uint32 }

func (a *Addr) Network() string { return "vsock" }
func (a *Addr) String() string  { return fmt.Sprintf("%d:%d", a.CID, a.Port) }

// ParseCID parses a context ID: a number (decimal or 0x hex), or "any" / -1
// for listening on every CID.
func ParseCID(s string) (uint32, error) {
	if s == "any" || s == "-1" {
		return CIDAny, nil
	}
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid vsock CID %q: want a number such as 2 (the host) or 3", s)
	}
	return uint32(v), nil
}

// explain turns the errors that mean "no vsock here" into a clear reason.
func explain(what string, err error) error {
	switch {
	case errors.Is(err, unix.EAFNOSUPPORT):
		return fmt.Errorf("%s: this kernel has no AF_VSOCK support (%v)", what, err)
	case errors.Is(err, unix.ENODEV):
		return fmt.Errorf("%s: no vsock transport for that CID (%v); is this a VM, or is vsock_loopback loaded?", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func socket() (int, error) {
	return unix.Socket(unix.AF_VSOCK, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

// Available says why vsock stream sockets cannot be used here, or nil.
func Available() error {
	fd, err := socket()
	if err != nil {
		return explain("vsock", err)
	}
	unix.Close(fd)
	return nil
}

// Conn is a connected vsock stream socket.
type Conn struct {
	*os.File
	local, remote *Addr
}

func newConn(fd int) *Conn {
	c := &Conn{File: os.NewFile(uintptr(fd), "vsock")}
	if sa, err := unix.Getsockname(fd); err == nil {
		if vm, ok := sa.(*unix.SockaddrVM); ok {
			c.local = &Addr{vm.CID, vm.Port}
		}
	}
	if sa, err := unix.Getpeername(fd); err == nil {
		if vm, ok := sa.(*unix.SockaddrVM); ok {
			c.remote = &Addr{vm.CID, vm.Port}
		}
	}
	return c
}

func (c *Conn) LocalAddr() net.Addr  { return orZero(c.local) }
func (c *Conn) RemoteAddr() net.Addr { return orZero(c.remote) }

func orZero(a *Addr) net.Addr {
	if a == nil {
		return &Addr{}
	}
	return a
}

// CloseWrite shuts the write side down: the peer reads EOF.
func (c *Conn) CloseWrite() error { return c.shutdown(unix.SHUT_WR) }

// CloseRead shuts the read side down.
func (c *Conn) CloseRead() error { return c.shutdown(unix.SHUT_RD) }

func (c *Conn) shutdown(how int) error {
	rc, err := c.File.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Shutdown(int(fd), how) }); err != nil {
		return err
	}
	return serr
}

// Dial connects to port on cid; ctx bounds the connect.
func Dial(ctx context.Context, cid, port uint32) (*Conn, error) {
	what := fmt.Sprintf("vsock connect to %d:%d", cid, port)
	fd, err := socket()
	if err != nil {
		return nil, explain(what, err)
	}
	err = unix.Connect(fd, &unix.SockaddrVM{CID: cid, Port: port})
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		unix.Close(fd)
		return nil, explain(what, err)
	}
	c := newConn(fd)
	if err == nil {
		return c, nil
	}
	// Wait until the socket is writable, which ends the connect, or until
	// ctx ends.
	stop := context.AfterFunc(ctx, func() { c.File.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, _ := c.File.SyscallConn()
	var soErr int
	werr := rc.Write(func(fd uintptr) bool {
		soErr, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		return err != nil || soErr != 0 || isConnected(int(fd))
	})
	switch {
	case werr != nil && ctx.Err() != nil:
		c.Close()
		return nil, fmt.Errorf("%s: %w", what, ctx.Err())
	case werr != nil:
		c.Close()
		return nil, explain(what, werr)
	case err != nil:
		c.Close()
		return nil, explain(what, err)
	case soErr != 0:
		c.Close()
		return nil, explain(what, syscall.Errno(soErr))
	}
	c.File.SetWriteDeadline(time.Time{})
	return newConnAddrs(c), nil
}

func isConnected(fd int) bool {
	_, err := unix.Getpeername(fd)
	return err == nil
}

// newConnAddrs refreshes the addresses once the connect has completed.
func newConnAddrs(c *Conn) *Conn {
	rc, err := c.File.SyscallConn()
	if err != nil {
		return c
	}
	rc.Control(func(fd uintptr) {
		if sa, err := unix.Getsockname(int(fd)); err == nil {
			if vm, ok := sa.(*unix.SockaddrVM); ok {
				c.local = &Addr{vm.CID, vm.Port}
			}
		}
		if sa, err := unix.Getpeername(int(fd)); err == nil {
			if vm, ok := sa.(*unix.SockaddrVM); ok {
				c.remote = &Addr{vm.CID, vm.Port}
			}
		}
	})
	return c
}

// Listener accepts vsock connections.
type Listener struct {
	f    *os.File
	addr *Addr
}

// Listen listens on port (unix.VMADDR_PORT_ANY for any) of cid (CIDAny for
// every CID).
func Listen(cid, port uint32) (*Listener, error) {
	what := fmt.Sprintf("vsock listen on %d:%d", cid, port)
	fd, err := socket()
	if err != nil {
		return nil, explain(what, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrVM{CID: cid, Port: port}); err != nil {
		unix.Close(fd)
		return nil, explain(what, err)
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		return nil, explain(what, err)
	}
	l := &Listener{f: os.NewFile(uintptr(fd), "vsock-listener"), addr: &Addr{cid, port}}
	if sa, err := unix.Getsockname(fd); err == nil {
		if vm, ok := sa.(*unix.SockaddrVM); ok {
			l.addr = &Addr{vm.CID, vm.Port}
		}
	}
	return l, nil
}

// Accept waits for a connection; Close makes it return net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	rc, err := l.f.SyscallConn()
	if err != nil {
		return nil, net.ErrClosed
	}
	var nfd int
	var aerr error
	err = rc.Read(func(fd uintptr) bool {
		nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		return !errors.Is(aerr, unix.EAGAIN)
	})
	if err != nil {
		// The only way the poller's wait fails here is Close.
		return nil, net.ErrClosed
	}
	if aerr != nil {
		return nil, explain("vsock accept", aerr)
	}
	return newConn(nfd), nil
}

// Close stops listening.
func (l *Listener) Close() error { return l.f.Close() }

// Addr is the listening address.
func (l *Listener) Addr() net.Addr { return l.addr }
