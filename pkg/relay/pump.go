package relay

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gcat-dev/gcat/pkg/halfclose"
	"github.com/gcat-dev/gcat/pkg/neterr"
)

// aLongTimeAgo is a deadline in the past, used to unblock a pump.
var aLongTimeAgo = time.Unix(1, 0)

// result is what a pump reports when it ends.
type result struct {
	n    int64
	err  error // an *Error, or nil at EOF
	shut bool  // the EOF was passed on to the pump's destination
}

// shutdown says, for -vv, what became of the connection's write side.
func (r result) shutdown(noShutdown bool) string {
	switch {
	case r.shut:
		return "write side shut down"
	case noShutdown:
		return "write side kept open (--no-shutdown)"
	}
	return "the peer had gone already"
}

// closed says, for -vv, what became of the local output.
func (r result) closed() string {
	if r.shut {
		return "local output closed"
	}
	return "the local output's reader had gone already"
}

// up copies the local input to the connection and passes its EOF on.
func up(done chan<- result, conn Conn, in io.Reader, opt Options) {
	n, err := copyStream(conn, in, Connection, Input)
	res := result{n: n, err: err}
	if err == nil && !opt.NoShutdown {
		res.shut, res.err = closeWrite(conn, Connection)
	}
	done <- res
}

// down copies the connection (src reads it) to the local output and passes
// its EOF on.
func down(done chan<- result, out io.Writer, src io.Reader, opt Options) {
	n, err := copyStream(out, src, Output, Connection)
	if err != nil && opt.DrainOnOutputGone && sideOf(err) == Output && neterr.PeerGone(err) {
		// The reader of out has gone; keep the peer from being reset.
		m, derr := bufferedCopy(io.Discard, src, Output, Connection)
		n, err = n+m, derr
	}
	res := result{n: n, err: err}
	if err == nil {
		res.shut, res.err = closeWrite(out, Output)
	}
	done <- res
}

// closeWrite passes EOF on to w. A reader that has gone already is not a
// failure: there is nobody left to tell.
func closeWrite(w io.Writer, side Side) (bool, error) {
	err := halfclose.CloseWrite(w)
	switch {
	case err == nil:
		return true, nil
	case neterr.PeerGone(err) || errors.Is(err, syscall.ENOTCONN):
		return false, nil
	}
	return false, &Error{Side: side, Err: causeOf(err)}
}

// sideOf is the stream a pump's error came from.
func sideOf(err error) Side {
	var e *Error
	if errors.As(err, &e) {
		return e.Side
	}
	return Connection
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
