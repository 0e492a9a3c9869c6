package rawio

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Wrap returns c as a *Conn when it is a TCP or Unix stream socket, and c
// itself otherwise.
func Wrap(c net.Conn) net.Conn {
	s, ok := c.(stream)
	if !ok || !IsStreamSocket(c) {
		return c
	}
	rc, err := s.SyscallConn()
	if err != nil {
		return c
	}
	return &Conn{stream: s, rc: rc}
}

// stream is what *net.TCPConn and *net.UnixConn have in common that Conn
// needs.
type stream interface {
	net.Conn
	CloseWrite() error
	SyscallConn() (syscall.RawConn, error)
}

// Read reads once from rc into p, waiting in the netpoller until it can.
// 0 and no error is the end of the stream. An error is the RawConn's own
// (a deadline, a closed descriptor, or what a RawConn with a policy of its
// own returns) or an *os.SyscallError.
func Read(rc syscall.RawConn, p []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := rc.Read(func(fd uintptr) bool {
		n, errno = raw(unix.SYS_READ, fd, p)
		return errno != unix.EAGAIN
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, syscallError("read", errno)
	}
	return n, nil
}

// Write writes all of p to rc, waiting in the netpoller whenever it is
// full; n is what was written when it fails.
func Write(rc syscall.RawConn, p []byte) (int, error) {
	total := 0
	for total < len(p) {
		var n int
		var errno syscall.Errno
		err := rc.Write(func(fd uintptr) bool {
			n, errno = raw(unix.SYS_WRITE, fd, p[total:])
			return errno != unix.EAGAIN
		})
		switch {
		case err != nil:
			return total, err
		case errno != 0:
			return total, syscallError("write", errno)
		}
		total += n
	}
	return total, nil
}

// raw is read(2) or write(2) on a non-blocking descriptor, retried if a
// signal interrupted it.
func raw(trap uintptr, fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		r, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e != unix.EINTR {
			return int(r), e
		}
	}
}

// Conn is a stream socket whose Read and Write are raw system calls. It
// keeps what callers look for under a TLS connection: CloseWrite, and
// NetConn for the socket itself (to set SO_LINGER, say).
type Conn struct {
	stream
	rc syscall.RawConn
}

// NetConn returns the socket that c wraps.
func (c *Conn) NetConn() net.Conn { return c.stream }

func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := Read(c.rc, p)
	switch {
	case err != nil:
		return 0, c.opError("read", err)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (c *Conn) Write(p []byte) (int, error) {
	n, err := Write(c.rc, p)
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

// opError gives an error the shape net.Conn's own would have: an
// *net.OpError around the deadline, the closed connection or the
// *os.SyscallError.
func (c *Conn) opError(op string, err error) error {
	if oe, ok := err.(*net.OpError); ok {
		err = oe.Err // the RawConn's "raw-read": the cause is what counts
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// syscallError names the failed call as the standard library does.
func syscallError(op string, errno syscall.Errno) error {
	return os.NewSyscallError(op, errno)
}
