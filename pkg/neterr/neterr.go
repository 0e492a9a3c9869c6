// Package neterr is gcat's one error type for network operations: what was
// done, with which address, and why it failed, said the way gcat says it
//
//	connect to 127.0.0.1:9: connection refused
//	listen on /tmp/s.sock: address already in use
//	connection with 127.0.0.1:41234: connection reset by peer
//
// The cause is kept as a value (a syscall.Errno, a *net.DNSError, an x509
// error, a *TimeoutError...), so that callers decide with errors.Is and
// errors.As — the exit status, a hint — and never by reading the text.
package neterr

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// Operations, as they start gcat's messages.
const (
	OpConnect    = "connect to"
	OpListen     = "listen on"
	OpConnection = "connection with" // an established connection failed
	OpResolve    = "cannot resolve"
)

// Error is a failed network operation.
type Error struct {
	Op   string // one of the Op constants, or another "verb preposition"
	Addr string // the address or path the operation was about
	Err  error  // the cause, stripped of Go's own wrappers (see Cause)
}

// New returns the Error for op on addr, its cause stripped by Cause.
func New(op, addr string, err error) *Error {
	return &Error{Op: op, Addr: addr, Err: Cause(err)}
}

func (e *Error) Error() string {
	if e.Addr == "" {
		return e.Op + ": " + e.Err.Error()
	}
	return e.Op + " " + e.Addr + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Cause strips the wrappers Go's net and os packages put around a system
// call's error (*net.OpError, *os.SyscallError), which repeat the addresses
// and name the system call, down to what went wrong. A timeout becomes a
// *TimeoutError. Other errors are returned as they are.
func Cause(err error) error {
	for {
		switch e := err.(type) {
		case *net.OpError:
			if e.Err == nil {
				return err
			}
			err = e.Err
			continue
		case *os.SyscallError:
			err = e.Err
			continue
		}
		var te *TimeoutError
		if isTimeout(err) && !errors.As(err, &te) {
			return &TimeoutError{Err: err}
		}
		return err
	}
}

// TimeoutError is an operation that did not finish in time. After, when
// known, is the bound that expired (-w, a handshake deadline).
type TimeoutError struct {
	After time.Duration
	Err   error // what reported the timeout, if anything
}

func (e *TimeoutError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("timed out after %v", e.After)
	}
	return "timed out"
}

func (e *TimeoutError) Unwrap() error { return e.Err }
func (e *TimeoutError) Timeout() bool { return true }

// Is makes a TimeoutError match os.ErrDeadlineExceeded's kind of failure.
func (e *TimeoutError) Is(target error) bool { return target == os.ErrDeadlineExceeded }

// DNSError is a failed name lookup, said briefly ("no such host"); the
// resolver's *net.DNSError is kept for errors.As.
type DNSError struct{ *net.DNSError }

func (e *DNSError) Error() string {
	if e.IsNotFound {
		return "no such host"
	}
	return e.Err
}

func (e *DNSError) Unwrap() error { return e.DNSError }

// StaleSocketError is a Unix socket path that cannot be bound because a
// socket file is left there that nothing answers on (a server that died
// without removing it). It matches syscall.EADDRINUSE.
type StaleSocketError struct{ Path string }

func (e *StaleSocketError) Error() string { return "address already in use" }
func (e *StaleSocketError) Unwrap() error { return syscall.EADDRINUSE }

// PeerGone reports whether err means the other end of a stream has gone
// away (it reset the connection, or closed a pipe we write to), as opposed
// to a failure of our own.
func PeerGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// OfConnection reports whether err is an errno that only a socket
// produces: a splice that moved data from a socket to a file reports the
// socket's failure as the file's, and this tells them apart.
func OfConnection(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case syscall.ECONNRESET, syscall.ECONNABORTED, syscall.ECONNREFUSED, syscall.ETIMEDOUT,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN, syscall.ENOTCONN:
		return true
	}
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
