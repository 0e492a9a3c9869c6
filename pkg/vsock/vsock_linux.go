//go:build linux

package vsock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Supported is true where the kernel may have AF_VSOCK: Linux only.
const Supported = true

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

// errnoName gives an errno's symbol as " [EADDRNOTAVAIL]", or "" for
// other errors.
func errnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) && unix.ErrnoName(errno) != "" {
		return " [" + unix.ErrnoName(errno) + "]"
	}
	return ""
}

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
