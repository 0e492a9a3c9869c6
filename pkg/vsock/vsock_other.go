//go:build !linux

package vsock

import (
	"context"
	"errors"
	"net"
	"runtime"
)

// Supported is true where the kernel may have AF_VSOCK: Linux only.
const Supported = false

// errUnsupported is every operation's error here: vsock sockets are a
// Linux facility (the BSDs and macOS have no AF_VSOCK, and Windows's
// Hyper-V sockets are another address family).
var errUnsupported = &wrapped{
	msg: "vsock is not supported on " + runtime.GOOS,
	err: errors.ErrUnsupported,
}

// Available reports that vsock is not supported here.
func Available() error { return errUnsupported }

// Loopback reports that vsock is not supported here.
func Loopback() error { return errUnsupported }

// LocalCID reports that vsock is not supported here.
func LocalCID() (uint32, error) { return 0, errUnsupported }

// Dial reports that vsock is not supported here.
func Dial(ctx context.Context, cid, port uint32) (*Conn, error) { return nil, errUnsupported }

// Listen reports that vsock is not supported here.
func Listen(cid, port uint32) (*Listener, error) { return nil, errUnsupported }

// Conn is a vsock connection. None can be made here: Dial fails.
type Conn struct{ net.Conn }

// Listener is a vsock listener. None can be made here: Listen fails.
type Listener struct{ net.Listener }

// AcceptVsock reports that vsock is not supported here.
func (l *Listener) AcceptVsock() (*Conn, error) { return nil, errUnsupported }
