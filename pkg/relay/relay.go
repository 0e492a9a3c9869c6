// Package relay copies a connection to a local output and a local input to
// the connection, passing each direction's EOF on without ending the other.
//
// Two pumps run, one per direction, and Run returns only when both are done:
//
//	up:   local input  -> connection   at EOF: CloseWrite(conn)  (unless NoShutdown)
//	down: connection   -> local output at EOF: CloseWrite(out)   (close stdout, a child's stdin)
//
// The policies that decide when a direction that has not reached EOF is given
// up live in Options, not in the pumps: how long local input may stay silent
// after the remote side has ended (so a client whose stdin is an idle pipe
// does not hang in CLOSE_WAIT), and -q's wait after the local EOF.
package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gcat-dev/gcat/pkg/halfclose"
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

	// Debugf, if set, is told of each end-of-stream event (-vv).
	Debugf func(format string, args ...any)
}

func (o *Options) debugf(format string, args ...any) {
	if o.Debugf != nil {
		o.Debugf(format, args...)
	}
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

// Stats counts the bytes relayed: Sent to the connection, Received from it.
type Stats struct {
	Sent, Received int64
}

// aLongTimeAgo is a deadline in the past, used to unblock a pump.
var aLongTimeAgo = time.Unix(1, 0)

// bufSize is the copy buffer when no zero-copy path applies; large buffers
// cut the number of system calls on fast pipes.
const bufSize = 256 << 10

type result struct {
	n   int64
	err error
}

// Run relays until both directions are done or ctx is cancelled. It does not
// close conn, in or out: the caller owns them and closes them after Run.
// A nil in means there is no local input (--recv-only): nothing is sent and
// the connection's write side is left as it is.
//
// A direction stopped by a policy (Idle, Interactive, Quit) ends cleanly.
// A pump blocked on a stream that has no deadlines (a terminal or pipe that
// is not pollable) cannot be interrupted; Run then returns without it and the
// goroutine ends when the stream does or the process exits.
func Run(ctx context.Context, conn Conn, in io.Reader, out io.Writer, opt Options) (Stats, error) {
	if opt.Idle == 0 {
		opt.Idle = DefaultIdle
	}
	tr := &trackedReader{r: in}
	// The connection's reads are tracked only when a policy needs to know
	// how long it has been silent: tracking hides the zero-copy paths.
	var ctr *trackedReader
	var src io.Reader = conn
	if opt.QuitSilent || opt.IdleTimeout > 0 {
		ctr = &trackedReader{r: conn}
		src = ctr
	}
	upc, downc := make(chan result, 1), make(chan result, 1)
	upDone := in == nil
	if !upDone {
		go up(upc, conn, tr, opt)
	}
	go down(downc, out, src, opt)

	var st Stats
	var downDone, upStopped, downStopped bool
	var idleTick, quit, idleTimeout <-chan time.Time
	var quitTimer *time.Timer
	if opt.IdleTimeout > 0 {
		t := time.NewTicker(max(opt.IdleTimeout/10, 5*time.Millisecond))
		defer t.Stop()
		idleTimeout = t.C
	}
	// idleFor is how long a direction has moved no data: the time its
	// pending read has been blocked, or forever once it is done.
	idleFor := func(done bool, t *trackedReader) time.Duration {
		if done {
			return time.Duration(1<<63 - 1)
		}
		return t.blockedFor()
	}
	var firstErr, lost error
	for !upDone || !downDone {
		select {
		case r := <-upc:
			upDone = true
			st.Sent = r.n
			opt.debugf("local input ended after %d bytes (%v); %s", r.n, errOrEOF(r.err), map[bool]string{true: "write side kept open", false: "write side shut down"}[opt.NoShutdown])
			switch {
			case r.err == nil:
				if opt.Quit && !downDone {
					quitTimer = time.NewTimer(opt.QuitAfter)
					defer quitTimer.Stop()
					quit = quitTimer.C
				}
			case upStopped && errors.Is(r.err, os.ErrDeadlineExceeded):
			case isPeerGone(r.err):
				// The peer closed while we were still sending: what we
				// could not send is lost, and the user must hear of it.
				// The other direction still ends on its own.
				lost = fmt.Errorf("the peer closed the connection before all input was sent: %w", r.err)
			default:
				firstErr = r.err
				downStopped = stop(!downDone, conn, out)
			}
		case r := <-downc:
			downDone = true
			st.Received = r.n
			opt.debugf("connection's input ended after %d bytes (%v); local output closed", r.n, errOrEOF(r.err))
			switch {
			case r.err == nil || downStopped && errors.Is(r.err, os.ErrDeadlineExceeded):
				if downStopped && firstErr == nil {
					halfclose.CloseWrite(out)
				}
				if firstErr != nil || upDone {
					break
				}
				if opt.Interactive {
					upStopped = true
					upDone = upDone || !stopReader(in)
				} else if opt.Idle > 0 {
					tick := time.NewTicker(max(opt.Idle/5, 5*time.Millisecond))
					defer tick.Stop()
					idleTick = tick.C
				}
			default:
				if firstErr == nil {
					firstErr = r.err
				}
				if !upDone {
					upStopped = true
					stopWriter(conn)
					upDone = !stopReader(in)
				}
			}
		case <-idleTick:
			if !upStopped && tr.blockedFor() >= opt.Idle {
				opt.debugf("local input silent for %v after the peer's EOF: done", opt.Idle)
				upStopped = true
				upDone = !stopReader(in)
				idleTick = nil
			}
		case <-quit:
			if opt.QuitSilent {
				if silent := ctr.blockedFor(); silent < opt.QuitAfter {
					quitTimer.Reset(opt.QuitAfter - silent)
					break
				}
				opt.debugf("the connection has been silent for %v after the local input's EOF: done", opt.QuitAfter)
			} else {
				opt.debugf("quitting %v after the local input's EOF (-q)", opt.QuitAfter)
			}
			quit = nil
			downStopped = true
			conn.SetReadDeadline(aLongTimeAgo)
		case <-idleTimeout:
			if quit != nil || min(idleFor(upDone, tr), idleFor(downDone, ctr)) < opt.IdleTimeout {
				break // once -q's timer runs, it decides when to quit
			}
			opt.debugf("no data in either direction for %v (-i)", opt.IdleTimeout)
			abort(upDone, downDone, conn, in, out)
			st.Sent = max(st.Sent, tr.n.Load())
			st.Received = max(st.Received, ctr.n.Load())
			return st, &IdleTimeoutError{opt.IdleTimeout}
		case <-ctx.Done():
			abort(upDone, downDone, conn, in, out)
			return st, ctx.Err()
		}
	}
	if firstErr == nil {
		firstErr = lost
	}
	if upStopped || tr.n.Load() > st.Sent {
		st.Sent = max(st.Sent, tr.n.Load())
	}
	return st, firstErr
}

// abort interrupts the pumps that are still running, for a relay that ends
// without waiting for them.
func abort(upDone, downDone bool, conn Conn, in io.Reader, out io.Writer) {
	if !upDone {
		stopReader(in)
		stopWriter(conn)
	}
	if !downDone {
		stop(true, conn, out)
	}
}

func errOrEOF(err error) any {
	if err == nil {
		return "EOF"
	}
	return err
}

// up copies the local input to the connection and passes its EOF on.
func up(done chan<- result, conn Conn, in *trackedReader, opt Options) {
	n, err := copyStream(conn, in.source())
	if err == nil && !opt.NoShutdown {
		if cerr := halfclose.CloseWrite(conn); cerr != nil && !isPeerGone(cerr) && !errors.Is(cerr, syscall.ENOTCONN) {
			err = cerr
		}
	}
	done <- result{n, err}
}

// down copies the connection (src reads it) to the local output and passes
// its EOF on.
func down(done chan<- result, out io.Writer, src io.Reader, opt Options) {
	n, err := copyStream(out, src)
	if err != nil && opt.DrainOnOutputGone && isPeerGone(err) {
		// The reader of out has gone; keep the peer from being reset.
		var m int64
		m, err = io.CopyBuffer(io.Discard, readerOnly{src}, make([]byte, 32<<10))
		n += m
	}
	if err == nil {
		if cerr := halfclose.CloseWrite(out); cerr != nil && !isPeerGone(cerr) {
			err = cerr
		}
	}
	done <- result{n, err}
}

// stop interrupts the down pump, reading conn and writing out. It reports
// whether it was asked to.
func stop(active bool, conn Conn, out io.Writer) bool {
	if active {
		conn.SetReadDeadline(aLongTimeAgo)
		stopWriter(out)
	}
	return active
}

// stopReader makes a blocked Read on r return; it reports whether it could.
func stopReader(r io.Reader) bool {
	if d, ok := r.(interface{ SetReadDeadline(time.Time) error }); ok {
		return d.SetReadDeadline(aLongTimeAgo) == nil
	}
	return false
}

// stopWriter makes a blocked Write on w return; it reports whether it could.
func stopWriter(w io.Writer) bool {
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		return d.SetWriteDeadline(aLongTimeAgo) == nil
	}
	return false
}

// isPeerGone reports whether err means the other end of a stream has gone
// away, as opposed to a failure of our own.
func isPeerGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// trackedReader records how long the current Read has been blocked, so Run
// can tell an idle input from one that is still delivering data.
type trackedReader struct {
	r     io.Reader
	since atomic.Int64 // UnixNano when the pending Read began; 0 when none
	n     atomic.Int64
}

func (t *trackedReader) Read(p []byte) (int, error) {
	t.since.Store(time.Now().UnixNano())
	n, err := t.r.Read(p)
	t.since.Store(0)
	t.n.Add(int64(n))
	return n, err
}

// source is what the up pump copies from: a regular file directly, so the
// kernel's sendfile path applies (a file never blocks, so it need not be
// tracked), anything else through the tracker.
func (t *trackedReader) source() io.Reader {
	if f, ok := t.r.(*os.File); ok && isRegular(f) {
		return f
	}
	return t
}

func (t *trackedReader) blockedFor() time.Duration {
	s := t.since.Load()
	if s == 0 {
		return 0
	}
	return time.Since(time.Unix(0, s))
}
