package activation

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// Type is a socket's type as gcat serves it.
type Type int

const (
	Stream   Type = iota + 1 // SOCK_STREAM: TCP or a Unix stream socket
	Datagram                 // SOCK_DGRAM: UDP or a Unix datagram socket
)

func (t Type) String() string {
	switch t {
	case Stream:
		return "stream"
	case Datagram:
		return "datagram"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Family is a socket's address family.
type Family int

const (
	IPv4 Family = iota + 1 // AF_INET
	IPv6                   // AF_INET6; it may serve IPv4 too (IPV6_V6ONLY off)
	Unix                   // AF_UNIX
)

func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	case Unix:
		return "Unix"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// Options say what the caller serves.
type Options struct {
	// Datagram selects datagram mode (gcat -u): only UDP and Unix datagram
	// sockets are accepted. The zero value is stream mode: only TCP and Unix
	// stream sockets are. A socket of the other type is an *FDError
	// wrapping ErrDatagram or ErrStream.
	Datagram bool
}

// Socket is a handed-over socket that passed the checks. Exactly one of
// Listener, PacketConn and Conn is set. The Socket owns it: closing it (or
// the Socket) closes gcat's descriptor and leaves the socket itself, and any
// Unix socket file, to the launcher.
type Socket struct {
	// FD is the descriptor number the socket was handed over as (3, 4, …
	// from systemd, UPSTART_FDS's number, or 0 in inetd mode). It is closed
	// or redirected now: the socket lives on in a descriptor of its own.
	FD int
	// Name is the socket's name from LISTEN_FDNAMES, or empty when the
	// launcher gave none (upstart and inetd never do).
	Name   string
	Type   Type
	Family Family
	// Listener is set for a listening stream socket: a *net.TCPListener or
	// a *net.UnixListener that does not unlink its file on Close.
	Listener net.Listener
	// PacketConn is set for a datagram socket: a *net.UDPConn or a
	// *net.UnixConn.
	PacketConn net.PacketConn
	// Conn is set for inetd's connection: a *net.TCPConn or a
	// *net.UnixConn, whose CloseWrite shuts the socket's write side down.
	Conn net.Conn
}

// Addr returns the socket's local address.
func (s *Socket) Addr() net.Addr {
	switch {
	case s.Listener != nil:
		return s.Listener.Addr()
	case s.PacketConn != nil:
		return s.PacketConn.LocalAddr()
	case s.Conn != nil:
		return s.Conn.LocalAddr()
	}
	return nil
}

// Network returns the name package net gives the socket's kind: "tcp4",
// "tcp6", "unix", "udp4", "udp6" or "unixgram".
func (s *Socket) Network() string {
	return network(s.Type, s.Family)
}

func network(t Type, f Family) string {
	base := map[Type]string{Stream: "tcp", Datagram: "udp"}[t]
	switch f {
	case IPv4:
		return base + "4"
	case IPv6:
		return base + "6"
	}
	return map[Type]string{Stream: "unix", Datagram: "unixgram"}[t]
}

// String describes the socket for -v: `fd 3 "web" (tcp6 [::]:80)`.
func (s *Socket) String() string {
	return fmt.Sprintf("fd %d%s (%s %v)", s.FD, quoteName(s.Name), s.Network(), s.Addr())
}

// Close closes the socket's descriptor.
func (s *Socket) Close() error {
	switch {
	case s.Listener != nil:
		return s.Listener.Close()
	case s.PacketConn != nil:
		return s.PacketConn.Close()
	case s.Conn != nil:
		return s.Conn.Close()
	}
	return nil
}

func quoteName(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" %q", name)
}

// Handover is what Inetd took over: the socket on descriptor 0.
type Handover struct {
	// Socket is fd 0's socket: Conn in stream mode, PacketConn in datagram
	// mode.
	Socket
	// StdoutWasConn and StderrWasConn say that descriptor 1 or 2 was the
	// same socket (inetd and xinetd do that to all three) and now is
	// /dev/null. With StderrWasConn, diagnostics written to stderr are
	// lost: the caller should send them to syslog instead.
	StdoutWasConn, StderrWasConn bool
}

// The reasons an *FDError wraps. Their text completes "fd 3: …".
var (
	ErrNotOpen      = errors.New("not an open descriptor")
	ErrNotSocket    = errors.New("not a socket")
	ErrFamily       = errors.New("a socket of an address family gcat does not serve")
	ErrProtocol     = errors.New("a socket of a protocol gcat does not serve")
	ErrSocketType   = errors.New("a socket of a type gcat does not serve")
	ErrConnected    = errors.New("a connected socket, not a listening one")
	ErrNotListening = errors.New("a stream socket that is not listening")
	ErrListening    = errors.New("a listening socket, not an accepted connection")
	ErrNotConnected = errors.New("a stream socket that is not connected")
	ErrDatagram     = errors.New("a datagram socket, not a stream one")
	ErrStream       = errors.New("a stream socket, not a datagram one")
)

// FDError is a handed-over descriptor that cannot be served.
type FDError struct {
	FD   int
	Name string // from LISTEN_FDNAMES, if any
	// What says what the descriptor is, as far as it is known:
	// "tcp4 127.0.0.1:80, peer 127.0.0.1:4711", "a regular file".
	What string
	// Err is one of the Err* reasons above, or the error of the system
	// call that failed.
	Err error
}

func (e *FDError) Error() string {
	what := ""
	if e.What != "" {
		what = " (" + e.What + ")"
	}
	return fmt.Sprintf("fd %d%s%s: %v", e.FD, quoteName(e.Name), what, e.Err)
}

func (e *FDError) Unwrap() error { return e.Err }

// EnvError is an activation variable whose value makes no sense. Like
// sd_listen_fds(3), Listeners fails on it rather than guess.
type EnvError struct {
	Var, Value string
	Reason     string // "not a number", …
}

func (e *EnvError) Error() string {
	return fmt.Sprintf("%s=%q: %s", e.Var, e.Value, e.Reason)
}

// ErrUnsupported is returned where the system has no such handover
// (Windows). It matches errors.ErrUnsupported as well.
var ErrUnsupported error = unsupported{}

type unsupported struct{}

func (unsupported) Error() string        { return "not supported on " + runtime.GOOS }
func (unsupported) Is(target error) bool { return target == errors.ErrUnsupported }
