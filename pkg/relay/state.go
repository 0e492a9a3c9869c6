package relay

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/gcat-dev/gcat/pkg/neterr"
)

// relay is one Run: its two pumps and what is known of them.
type relay struct {
	opt  Options
	conn Conn
	in   io.Reader
	out  io.Writer
	tr   *trackedReader // the local input, to tell how long it has been silent
	ctr  *trackedReader // the connection, when a policy needs its silence; else nil

	upc, downc chan result
	up, down   pump

	err  error // the first failure
	lost error // input the peer did not take: reported unless something worse happened

	idleTick    <-chan time.Time // watching the local input after the peer's EOF
	quit        <-chan time.Time // -q's timer
	quitTimer   *time.Timer
	idleTimeout <-chan time.Time // -i's check
	stops       []func()         // timers and tickers to stop at the end
}

// pump is what the loop knows of one direction.
type pump struct {
	done    bool  // its goroutine has reported, or has been abandoned
	stopped bool  // a policy interrupted it: its deadline error is expected
	n       int64 // bytes it moved
}

func newRelay(conn Conn, in io.Reader, out io.Writer, opt Options) *relay {
	r := &relay{
		opt: opt, conn: conn, in: in, out: out,
		tr:  &trackedReader{r: in},
		upc: make(chan result, 1), downc: make(chan result, 1),
	}
	// The connection's reads are tracked only when a policy needs to know
	// how long it has been silent: tracking hides the zero-copy paths.
	if opt.QuitSilent || opt.IdleTimeout > 0 {
		r.ctr = &trackedReader{r: conn}
	}
	return r
}

// start starts the pumps and -i's check.
func (r *relay) start() {
	if r.in == nil {
		r.up.done = true
	} else {
		go up(r.upc, r.conn, r.tr.source(), r.opt)
	}
	var src io.Reader = r.conn
	if r.ctr != nil {
		src = r.ctr
	}
	go down(r.downc, r.out, src, r.opt)
	if r.opt.IdleTimeout > 0 {
		r.idleTimeout = r.ticker(max(r.opt.IdleTimeout/10, 5*time.Millisecond))
	}
}

// loop handles events until both pumps are done. At the head of each
// iteration:
//   - a pump that is not done is running;
//   - r.err, once set, is the first failure, and every pump still running
//     has been interrupted;
//   - idleTick runs only once the peer has ended and the local input has
//     not (with Idle > 0);
//   - quit runs only once the local input has ended and the peer has not.
func (r *relay) loop(ctx context.Context) (Stats, error) {
	defer r.stopTimers()
	for !r.up.done || !r.down.done {
		select {
		case res := <-r.upc:
			r.upEnded(res)
		case res := <-r.downc:
			r.downEnded(res)
		case <-r.idleTick:
			r.inputIdle()
		case <-r.quit:
			r.quitTimerFired()
		case <-r.idleTimeout:
			if r.idleTimedOut() {
				r.abort()
				return r.stats(), &IdleTimeoutError{r.opt.IdleTimeout}
			}
		case <-ctx.Done():
			r.abort()
			return r.stats(), ctx.Err()
		}
	}
	if r.err == nil {
		return r.stats(), r.lost
	}
	return r.stats(), r.err
}

// upEnded: the local input reached EOF (passed on unless NoShutdown), was
// stopped by a policy, or failed.
func (r *relay) upEnded(res result) {
	r.up.done, r.up.n = true, res.n
	switch {
	case res.err == nil:
		r.debugf("local input ended after %d bytes; %s", res.n, res.shutdown(r.opt.NoShutdown))
		r.startQuit()
	case r.up.stopped && isDeadline(res.err):
	case neterr.PeerGone(res.err) && sideOf(res.err) == Connection:
		r.debugf("sending stopped after %d bytes: the peer has gone (%v)", res.n, res.err)
		lost := &Error{Side: Connection, Err: errors.Unwrap(res.err), Unsent: true}
		if r.opt.EndOnPeerGone {
			r.fail(lost)
		} else {
			r.lost = lost
		}
	default:
		r.debugf("sending stopped after %d bytes: %v", res.n, res.err)
		r.fail(res.err)
	}
}

// downEnded: the connection reached EOF (passed on to the local output),
// was stopped by a policy, or failed.
func (r *relay) downEnded(res result) {
	r.down.done, r.down.n = true, res.n
	switch {
	case res.err == nil:
		r.debugf("the connection's input ended after %d bytes; %s", res.n, res.closed())
	case r.down.stopped && isDeadline(res.err):
		if r.err == nil {
			r.closeOutput()
		}
	default:
		r.debugf("receiving stopped after %d bytes: %v", res.n, res.err)
		r.fail(res.err)
		return
	}
	r.peerEnded()
}

// peerEnded starts the policy for a local input that goes on after the
// peer has ended.
func (r *relay) peerEnded() {
	switch {
	case r.err != nil || r.up.done:
	case r.opt.Interactive:
		r.debugf("the peer has ended and the input is a terminal: stopped reading it")
		r.stopUp()
	case r.opt.Idle > 0:
		r.idleTick = r.ticker(max(r.opt.Idle/5, 5*time.Millisecond))
	}
}

// inputIdle ends a local input that has been silent for Idle since the
// peer's EOF; one that still delivers data goes on.
func (r *relay) inputIdle() {
	if r.up.stopped || r.tr.blockedFor() < r.opt.Idle {
		return
	}
	r.debugf("local input silent for %v after the peer's EOF: stopped reading it", r.opt.Idle)
	r.idleTick = nil
	r.stopUp()
}

// startQuit starts -q's timer once the local input has ended while the
// peer goes on.
func (r *relay) startQuit() {
	if !r.opt.Quit || r.down.done {
		return
	}
	r.quitTimer = time.NewTimer(r.opt.QuitAfter)
	r.stops = append(r.stops, func() { r.quitTimer.Stop() })
	r.quit = r.quitTimer.C
}

// quitTimerFired stops reading the connection (-q), or, with QuitSilent,
// waits on while the connection still delivers data.
func (r *relay) quitTimerFired() {
	if r.opt.QuitSilent {
		if silent := r.ctr.blockedFor(); silent < r.opt.QuitAfter {
			r.quitTimer.Reset(r.opt.QuitAfter - silent)
			return
		}
		r.debugf("the connection has been silent for %v after the local input's EOF: done", r.opt.QuitAfter)
	} else {
		r.debugf("quitting %v after the local input's EOF (-q)", r.opt.QuitAfter)
	}
	r.quit = nil
	r.down.stopped = true
	r.conn.SetReadDeadline(aLongTimeAgo)
}

// idleTimedOut reports whether no data has moved either way for
// IdleTimeout (-i). Once -q's timer runs, it decides when to quit.
func (r *relay) idleTimedOut() bool {
	idleFor := func(p pump, t *trackedReader) time.Duration {
		if p.done {
			return time.Duration(1<<63 - 1)
		}
		return t.blockedFor()
	}
	if r.quit != nil || min(idleFor(r.up, r.tr), idleFor(r.down, r.ctr)) < r.opt.IdleTimeout {
		return false
	}
	r.debugf("no data in either direction for %v (-i)", r.opt.IdleTimeout)
	return true
}

// fail records err, if it is the first failure, and interrupts the pumps
// still running.
func (r *relay) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	if !r.up.done {
		stopWriter(r.conn)
		r.stopUp()
	}
	if !r.down.done {
		r.down.stopped = true
		r.conn.SetReadDeadline(aLongTimeAgo)
		stopWriter(r.out)
	}
}

// abort interrupts the pumps still running, for a Run that returns without
// waiting for them.
func (r *relay) abort() {
	if !r.up.done {
		stopReader(r.in)
		stopWriter(r.conn)
	}
	if !r.down.done {
		r.conn.SetReadDeadline(aLongTimeAgo)
		stopWriter(r.out)
	}
}

// stopUp interrupts the up pump's read of the local input. An input that
// cannot be interrupted is abandoned: its pump ends with the stream.
func (r *relay) stopUp() {
	r.up.stopped = true
	if !stopReader(r.in) {
		r.up.done = true
	}
}

// closeOutput passes EOF on to the local output after the down pump was
// stopped by a policy (-q), which skipped its own CloseWrite.
func (r *relay) closeOutput() {
	if _, err := closeWrite(r.out, Output); err == nil {
		r.debugf("local output closed")
	}
}

func (r *relay) stats() Stats {
	st := Stats{Sent: max(r.up.n, r.tr.n.Load()), Received: r.down.n}
	if r.ctr != nil {
		st.Received = max(st.Received, r.ctr.n.Load())
	}
	return st
}

func (r *relay) ticker(d time.Duration) <-chan time.Time {
	t := time.NewTicker(d)
	r.stops = append(r.stops, t.Stop)
	return t.C
}

func (r *relay) stopTimers() {
	for _, stop := range r.stops {
		stop()
	}
}

func (r *relay) debugf(format string, args ...any) {
	if r.opt.Debugf != nil {
		r.opt.Debugf(format, args...)
	}
}

func isDeadline(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
