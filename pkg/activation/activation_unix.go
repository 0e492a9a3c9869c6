//go:build unix

package activation

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Supported says whether this system can take sockets over.
const Supported = true

// Listeners takes over the listening sockets handed over by systemd or
// upstart's socket bridge, in descriptor order, and removes the protocols'
// variables from the environment. It returns none, and no error, when
// nothing was handed over (no variables, or LISTEN_PID not gcat's).
//
// Every descriptor must fit o: a listening stream socket, or in datagram
// mode an unconnected datagram socket, of TCP, UDP or Unix. The first that
// does not is reported as an *FDError, and none is returned then (all are
// closed on exec). A malformed variable is an *EnvError.
func Listeners(o Options) ([]*Socket, error) {
	fds, err := takeEnv()
	if err != nil {
		return nil, fmt.Errorf("socket activation: %w", err)
	}
	// sd_listen_fds does this first, too: whatever happens next, no child
	// inherits a handed-over descriptor.
	for _, h := range fds {
		unix.CloseOnExec(h.fd)
	}
	infos := make([]*sockInfo, len(fds))
	for i, h := range fds {
		si, err := inspect(h.fd)
		if err == nil {
			err = fitsListener(h.fd, si, o)
		}
		if err != nil {
			var fe *FDError
			if errors.As(err, &fe) {
				fe.Name = h.name
			}
			return nil, fmt.Errorf("socket activation: %w", err)
		}
		infos[i] = si
	}
	socks := make([]*Socket, 0, len(fds))
	for i, h := range fds {
		s, err := takeListener(h, infos[i])
		if err != nil {
			for _, s := range socks {
				s.Close()
			}
			return nil, fmt.Errorf("socket activation: %w", err)
		}
		socks = append(socks, s)
	}
	return socks, nil
}

// fitsListener refuses what Listeners cannot serve in mode o.
func fitsListener(fd int, si *sockInfo, o Options) error {
	var reason error
	switch {
	case si.typ == Stream && o.Datagram:
		reason = ErrStream
	case si.typ == Datagram && !o.Datagram:
		reason = ErrDatagram
	case si.connected:
		reason = ErrConnected
	case si.typ == Stream && !si.listening:
		reason = ErrNotListening
	default:
		return nil
	}
	return &FDError{FD: fd, What: si.what(), Err: reason}
}

// takeListener wraps the checked descriptor h.fd in package net's types,
// on a close-on-exec duplicate, and closes h.fd.
func takeListener(h handed, si *sockInfo) (*Socket, error) {
	s := &Socket{FD: h.fd, Name: h.name, Type: si.typ, Family: si.family}
	f := os.NewFile(uintptr(h.fd), fmt.Sprintf("fd %d", h.fd))
	defer f.Close()
	var err error
	if si.typ == Stream {
		s.Listener, err = net.FileListener(f)
		if ul, ok := s.Listener.(*net.UnixListener); ok {
			// Already the default for a listener made from a file; said
			// here because the file is the launcher's to remove.
			ul.SetUnlinkOnClose(false)
		}
	} else {
		s.PacketConn, err = net.FilePacketConn(f)
	}
	if err != nil {
		return nil, &FDError{FD: h.fd, Name: h.name, What: si.what(), Err: err}
	}
	return s, nil
}

// Inetd takes over the socket inetd handed over on descriptor 0: in stream
// mode an accepted connection, in datagram mode (o.Datagram) the service's
// datagram socket. Descriptors 0, and 1 and 2 where they are the same
// socket, are pointed at /dev/null (see the package documentation). What
// is not such a socket is an *FDError for descriptor 0, and descriptors 0
// to 2 are left alone then.
func Inetd(o Options) (*Handover, error) {
	si, err := inspect(0)
	if err == nil {
		err = fitsInetd(si, o)
	}
	if err != nil {
		return nil, fmt.Errorf("inetd mode: %w", err)
	}
	h := &Handover{Socket: Socket{FD: 0, Type: si.typ, Family: si.family}}
	h.StdoutWasConn, h.StderrWasConn = sameSocket(0, 1), sameSocket(0, 2)
	// A close-on-exec duplicate, as net.FileConn makes one; os.Stdin,
	// unlike a new *os.File, has no finalizer that could close fd 0.
	if si.typ == Stream {
		h.Conn, err = net.FileConn(os.Stdin)
	} else {
		h.PacketConn, err = net.FilePacketConn(os.Stdin)
	}
	if err != nil {
		return nil, fmt.Errorf("inetd mode: %w", &FDError{FD: 0, What: si.what(), Err: err})
	}
	fds := []int{0}
	if h.StdoutWasConn {
		fds = append(fds, 1)
	}
	if h.StderrWasConn {
		fds = append(fds, 2)
	}
	if err := toDevNull(fds); err != nil {
		h.Close()
		return nil, fmt.Errorf("inetd mode: %w", err)
	}
	return h, nil
}

// fitsInetd refuses what Inetd cannot serve in mode o.
func fitsInetd(si *sockInfo, o Options) error {
	var reason error
	switch {
	case si.typ == Stream && o.Datagram:
		reason = ErrStream
	case si.typ == Datagram && !o.Datagram:
		reason = ErrDatagram
	case si.typ == Stream && si.listening:
		reason = ErrListening
	case si.typ == Stream && !si.connected:
		reason = ErrNotConnected
	case si.typ == Datagram && si.connected:
		reason = ErrConnected
	default:
		return nil
	}
	return &FDError{FD: 0, What: si.what(), Err: reason}
}

// sameSocket says whether descriptors a and b are the same socket: the
// same inode, or, where a system gives sockets no inode numbers, the same
// addresses at both ends.
func sameSocket(a, b int) bool {
	var sa, sb unix.Stat_t
	if unix.Fstat(a, &sa) != nil || unix.Fstat(b, &sb) != nil {
		return false
	}
	if sa.Mode&unix.S_IFMT != unix.S_IFSOCK || sb.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return false
	}
	if sa.Ino != 0 {
		return sa.Dev == sb.Dev && sa.Ino == sb.Ino
	}
	return endpoints(a) == endpoints(b)
}

func endpoints(fd int) string {
	la, _ := unix.Getsockname(fd)
	pa, _ := unix.Getpeername(fd)
	return fmt.Sprintf("%#v %#v", la, pa)
}

// toDevNull points each descriptor in fds at /dev/null.
func toDevNull(fds []int) error {
	null, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	defer unix.Close(null)
	for _, fd := range fds {
		if err := unix.Dup2(null, fd); err != nil {
			return fmt.Errorf("redirect fd %d to %s: %w", fd, os.DevNull, os.NewSyscallError("dup2", err))
		}
	}
	return nil
}
