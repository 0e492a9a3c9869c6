// Package vsock gives gcat's --vsock mode: Linux AF_VSOCK stream sockets,
// which connect a virtual machine and its host (or, with the vsock_loopback
// transport, a machine to itself), as a net.Conn with CloseWrite and
// deadlines and as a net.Listener, so that gcat's relay treats them like TCP.
//
//	ncat --vsock CID PORT        Dial(ctx, cid, port)
//	ncat --vsock -l [CID] PORT   Listen(cid, port), cid CIDAny by default
//
// The sockets are created non-blocking and wrapped in an *os.File, which
// puts them in the Go runtime's poller: reads, writes, connect and accept
// wait without tying up a thread, and deadlines, a context and Close
// interrupt them.
//
// Errors name the operation and the address ("vsock connect to 3:5000:
// connection reset by peer"), keep the errno for errors.Is, and turn the
// ones that mean "no vsock here" into a one-line reason: a kernel without
// AF_VSOCK (EAFNOSUPPORT), or no transport for the CID (ENODEV).
package vsock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Well-known CIDs and ports.
const (
	// CIDHypervisor is the hypervisor (VMADDR_CID_HYPERVISOR).
	CIDHypervisor uint32 = unix.VMADDR_CID_HYPERVISOR
	// CIDLocal is this machine, through the vsock_loopback transport
	// (VMADDR_CID_LOCAL).
	CIDLocal uint32 = unix.VMADDR_CID_LOCAL
	// CIDHost is the host of a virtual machine (VMADDR_CID_HOST).
	CIDHost uint32 = unix.VMADDR_CID_HOST
	// CIDAny, for Listen, accepts connections to every CID of this
	// machine (VMADDR_CID_ANY, written -1 or "any").
	CIDAny uint32 = unix.VMADDR_CID_ANY
	// PortAny, for Listen, lets the kernel choose a free port
	// (VMADDR_PORT_ANY); Listener.Addr reports it.
	PortAny uint32 = unix.VMADDR_PORT_ANY
)

// Addr is a vsock address: a context ID (CID) and a port. Both Addr and
// *Addr are net.Addrs; Conn and Listener report *Addr, as package net
// reports *net.TCPAddr.
type Addr struct{ CID, Port uint32 }

// Network returns "vsock".
func (a Addr) Network() string { return "vsock" }

// String returns "CID:PORT" in decimal, e.g. "3:5000".
func (a Addr) String() string {
	return strconv.FormatUint(uint64(a.CID), 10) + ":" + strconv.FormatUint(uint64(a.Port), 10)
}

// ParseCID parses a context ID as ncat's --vsock takes it: a decimal number,
// or hexadecimal with 0x, from 0 to 4294967295; and "any" or "-1" for
// CIDAny (listening on every CID of this machine). Leading zeros are
// decimal, not octal.
func ParseCID(s string) (uint32, error) {
	if s == "any" || s == "-1" {
		return CIDAny, nil
	}
	digits, base := s, 10
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		digits, base = h, 16
	} else if h, ok := strings.CutPrefix(s, "0X"); ok {
		digits, base = h, 16
	}
	// strconv would also take a sign, and with base 0 underscores; a CID
	// is digits only.
	ok := digits != ""
	for _, r := range digits {
		if !(r >= '0' && r <= '9' || base == 16 && (r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')) {
			ok = false
		}
	}
	if !ok {
		return 0, fmt.Errorf("invalid vsock CID %q: want a number such as 2 (the host) or 3, or \"any\"", s)
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid vsock CID %q: out of range (the largest is 4294967295)", s)
	}
	return uint32(v), nil
}

// Available says whether vsock stream sockets can be created here: nil if
// they can, else the reason in one line, e.g. "vsock: this kernel has no
// AF_VSOCK support (address family not supported by protocol)". A nil
// result does not promise a peer: that needs a transport for its CID (see
// Loopback for CID 1).
func Available() error {
	fd, err := socket()
	if err != nil {
		return explain("vsock", CIDAny, err)
	}
	unix.Close(fd)
	return nil
}

// Loopback says whether CID 1 (CIDLocal) reaches this machine, that is
// whether the vsock_loopback transport is there. It asks the kernel by
// binding a socket to CID 1, which sends nothing anywhere. The error
// wraps the bind's errno (EADDRNOTAVAIL without the transport).
func Loopback() error {
	fd, err := socket()
	if err != nil {
		return explain("vsock", CIDLocal, err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrVM{CID: CIDLocal, Port: PortAny}); err != nil {
		return &wrapped{
			msg: fmt.Sprintf("vsock: no loopback transport for CID 1 (bind to CID 1: %v%s; is the vsock_loopback module loaded?)", err, errnoName(err)),
			err: err,
		}
	}
	return nil
}

// LocalCID returns this machine's CID, as the kernel reports it on
// /dev/vsock (IOCTL_VM_SOCKETS_GET_LOCAL_CID): a guest's own CID, or 2 on
// a host.
func LocalCID() (uint32, error) {
	f, err := os.Open("/dev/vsock")
	if err != nil {
		return 0, fmt.Errorf("vsock: cannot find this machine's CID: %w", err)
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("vsock: cannot find this machine's CID: %w", err)
	}
	var cid uint32
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		cid, ierr = unix.IoctlGetUint32(int(fd), unix.IOCTL_VM_SOCKETS_GET_LOCAL_CID)
	}); err != nil {
		ierr = err
	}
	if ierr != nil {
		return 0, fmt.Errorf("vsock: cannot find this machine's CID: %w", ierr)
	}
	return cid, nil
}

// socket makes a non-blocking, close-on-exec vsock stream socket.
func socket() (int, error) {
	fd, err := unix.Socket(unix.AF_VSOCK, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	return highFD(fd)
}

// highFD moves fd above 2. With stdin, stdout or stderr closed a socket
// could get one of their numbers, and os.File treats a write to fd 1 or 2
// that fails with EPIPE as a broken stdout and kills the process with
// SIGPIPE; a socket must report EPIPE instead.
func highFD(fd int) (int, error) {
	if fd > 2 {
		return fd, nil
	}
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	unix.Close(fd)
	if err != nil {
		return -1, err
	}
	return nfd, nil
}

// wrapped is an error with gcat's wording that still matches its cause
// with errors.Is.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// timedOut is the cause of a connect that ran out of time: it matches
// context.DeadlineExceeded and os.ErrDeadlineExceeded, and is a net.Error
// whose Timeout is true.
type timedOut struct{}

func (timedOut) Error() string   { return "timed out" }
func (timedOut) Timeout() bool   { return true }
func (timedOut) Temporary() bool { return true }
func (timedOut) Is(target error) bool {
	return target == os.ErrDeadlineExceeded || target == context.DeadlineExceeded
}

// explain words err, the failure of op ("vsock connect to 3:5000") on
// cid, for a person, keeping err for errors.Is.
func explain(op string, cid uint32, err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, unix.EAFNOSUPPORT):
		// Not about the address: the kernel has no vsock at all.
		return &wrapped{msg: fmt.Sprintf("vsock: this kernel has no AF_VSOCK support (%v)", unix.EAFNOSUPPORT), err: err}
	case errors.Is(err, unix.ENODEV):
		return &wrapped{msg: fmt.Sprintf("%s: no vsock transport for CID %s (%v; %s)", op, cidString(cid), unix.ENODEV, transportHint(cid)), err: err}
	case errors.Is(err, unix.EADDRNOTAVAIL):
		return &wrapped{msg: fmt.Sprintf("%s: CID %s is not a CID of this machine (%v; %s)", op, cidString(cid), unix.EADDRNOTAVAIL, bindHint(cid)), err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &wrapped{msg: op + ": timed out", err: timedOut{}}
	case errors.As(err, &errno):
		return &wrapped{msg: op + ": " + errno.Error(), err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// transportHint says what would give CID cid a transport.
func transportHint(cid uint32) string {
	if cid == CIDLocal {
		return "is the vsock_loopback module loaded?"
	}
	if local, err := LocalCID(); err == nil && local == cid && cid != CIDHost {
		return fmt.Sprintf("CID %d is this machine; is the vsock_loopback module loaded?", cid)
	}
	if cid <= CIDHost {
		return "is this a virtual machine with a vsock device?"
	}
	return "is this a virtual machine with a vsock device, or a host with vhost_vsock loaded?"
}

// bindHint says which CIDs this machine has.
func bindHint(cid uint32) string {
	if cid == CIDLocal {
		return "is the vsock_loopback module loaded?"
	}
	if local, err := LocalCID(); err == nil {
		return fmt.Sprintf("this machine's CID is %d; use \"any\" for every CID", local)
	}
	return "use \"any\" for every CID of this machine"
}

// cidString writes CIDAny as "any" in messages.
func cidString(cid uint32) string {
	if cid == CIDAny {
		return "any"
	}
	return strconv.FormatUint(uint64(cid), 10)
}

// opAddr writes an address in messages, with "any" for the wildcards.
func opAddr(cid, port uint32) string {
	p := strconv.FormatUint(uint64(port), 10)
	if port == PortAny {
		p = "any"
	}
	return cidString(cid) + ":" + p
}

// errnoName gives an errno's symbol as " [EADDRNOTAVAIL]", or "" for
// other errors.
func errnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) && unix.ErrnoName(errno) != "" {
		return " [" + unix.ErrnoName(errno) + "]"
	}
	return ""
}
