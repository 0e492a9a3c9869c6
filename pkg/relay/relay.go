// Package relay copies a connection to a local output and a local input to
// the connection, passing each direction's EOF on without ending the other.
//
// Two pumps run, one per direction, and Run returns only when both are done:
//
//	up:   local input  -> connection   at EOF: CloseWrite(conn)  (unless NoShutdown)
//	down: connection   -> local output at EOF: CloseWrite(out)   (close stdout, a child's stdin)
//
// Run itself is a small state machine (see state.go): it waits for events
// — a pump done, the local input idle after the peer's EOF, -q's timer,
// -i's idle timeout — and the policies that decide when a direction that has
// not reached EOF is given up live in Options, not in the pumps.
package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Conn is the connection side. net.Conn satisfies it; the deadlines are used
// to stop a pump that is blocked on the connection.
type Conn interface {
	io.ReadWriter
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// DefaultIdle is how long local input may stay silent after the remote side
// has sent EOF before Run stops waiting for it.
const DefaultIdle = 250 * time.Millisecond

// Options are the relay's end-of-stream policies. The zero value is a plain
// bidirectional relay with ncat's defaults.
type Options struct {
	// NoShutdown keeps the connection's write side open after the local
	// input's EOF (--no-shutdown); by default the EOF is passed on with
	// shutdown(SHUT_WR).
	NoShutdown bool

	// Idle bounds how long, once the remote side has ended, a read of the
	// local input may block before Run stops reading it: data that keeps
	// flowing is still forwarded, silence ends the relay. If zero,
	// DefaultIdle is used. If negative, local input is read to its EOF
	// however long that takes (connect mode -k; an exec child's output).
	Idle time.Duration

	// Interactive ends the local input as soon as the remote side has
	// ended, without waiting: for a terminal, where nobody types for a
	// closed connection.
	Interactive bool

	// Quit, if set, ends the relay QuitAfter after the local input's EOF
	// even if the remote side has not ended (-q). With QuitSilent the
	// time counts from the last data the connection delivered instead:
	// the relay ends once the connection has been silent that long (a
	// UDP client waiting for replies, --send-only).
	Quit       bool
	QuitAfter  time.Duration
	QuitSilent bool

	// IdleTimeout, if positive, ends the relay with ErrIdleTimeout when
	// no data has moved in either direction for that long (-i).
	IdleTimeout time.Duration

	// DrainOnOutputGone keeps reading the connection, discarding, after
	// writes to the local output fail because its reader has gone (EPIPE:
	// an exec child that exited without reading all its input). Without it
	// such a failure ends the relay with an error. Draining keeps the
	// kernel from resetting a peer that is still reading our reply.
	DrainOnOutputGone bool

	// EndOnPeerGone ends both directions as soon as sending finds the peer
	// gone (it reset the connection). Without it the other direction
	// still delivers what the peer sent before it went. With an exec
	// child, what the child would still read or write can reach nobody,
	// and waiting could leave it blocked on a pipe for ever.
	EndOnPeerGone bool

	// Debugf, if set, is told of each end-of-stream event (-vv).
	Debugf func(format string, args ...any)
}

// ErrIdleTimeout ends a relay whose IdleTimeout expired.
var ErrIdleTimeout = errors.New("idle timeout expired")

// IdleTimeoutError says how long the relay was idle; it matches
// ErrIdleTimeout with errors.Is.
type IdleTimeoutError struct{ After time.Duration }

func (e *IdleTimeoutError) Error() string {
	return fmt.Sprintf("idle timeout expired (%d ms)", e.After.Milliseconds())
}

func (e *IdleTimeoutError) Is(target error) bool { return target == ErrIdleTimeout }

// Side is one of the three streams of a relay.
type Side int

const (
	Connection Side = iota // the connection
	Input                  // the local input: stdin, an exec child's output
	Output                 // the local output: stdout, an exec child's input
)

func (s Side) String() string {
	return [...]string{"connection", "input", "output"}[s]
}

// Error is a failure of one of the relay's streams. Err is the cause,
// without Go's system-call wrappers (a syscall.Errno, say).
type Error struct {
	Side Side
	Err  error
	// Unsent is set when the peer went away before all local input was
	// sent: what was not sent is lost, and the user must hear of it.
	Unsent bool
}

func (e *Error) Error() string {
	if e.Unsent {
		return "the peer closed the connection before all input was sent: " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Stats counts the bytes relayed: Sent to the connection, Received from it.
type Stats struct {
	Sent, Received int64
}

// Run relays until both directions are done or ctx is cancelled. It does not
// close conn, in or out: the caller owns them and closes them after Run.
// A nil in means there is no local input (--recv-only): nothing is sent and
// the connection's write side is left as it is. Failures are *Error,
// *IdleTimeoutError or ctx's error.
//
// A direction stopped by a policy (Idle, Interactive, Quit) ends cleanly.
// A pump blocked on a stream that has no deadlines (a terminal or pipe that
// is not pollable) cannot be interrupted; Run then returns without it and the
// goroutine ends when the stream does or the process exits.
func Run(ctx context.Context, conn Conn, in io.Reader, out io.Writer, opt Options) (Stats, error) {
	if opt.Idle == 0 {
		opt.Idle = DefaultIdle
	}
	r := newRelay(conn, in, out, opt)
	r.start()
	return r.loop(ctx)
}
