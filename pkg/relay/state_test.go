package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestErrorSides: a failure names the stream it came from, whatever copy
// path moved the data: a reset is the connection's even when it is spliced
// into a pipe, a full disk is the output's.
func TestErrorSides(t *testing.T) {
	t.Run("reset, spliced into a pipe", func(t *testing.T) {
		conn, peer := tcpPair(t)
		inR, _ := pipe(t)
		outR, outW := pipe(t)
		go io.Copy(io.Discard, outR)
		done := goRun(context.Background(), conn.(Conn), inR, outW, Options{})
		peer.Write([]byte("some data first"))
		peer.(*net.TCPConn).SetLinger(0)
		peer.Close()
		r := await(t, done)
		var e *Error
		if !errors.As(r.err, &e) || e.Side != Connection || !errors.Is(r.err, syscall.ECONNRESET) {
			t.Fatalf("Run = %#v, want the connection's reset", r.err)
		}
	})
	t.Run("full output", func(t *testing.T) {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skipf("no /dev/full: %v", err)
		}
		defer full.Close()
		conn, peer := tcpPair(t)
		inR, _ := pipe(t)
		done := goRun(context.Background(), conn.(Conn), inR, full, Options{})
		peer.Write([]byte("data for a full disk"))
		r := await(t, done)
		var e *Error
		if !errors.As(r.err, &e) || e.Side != Output || !errors.Is(r.err, syscall.ENOSPC) {
			t.Fatalf("Run = %v, want the output's ENOSPC", r.err)
		}
		if e.Error() != "no space left on device" {
			t.Fatalf("message %q", e.Error())
		}
	})
}

// stuckWriter is a local output that blocks until its write deadline is
// set: an exec child blocked writing what nobody reads any more.
type stuckWriter struct {
	entered chan struct{}
	unblock chan struct{}
	once    sync.Once
}

func newStuckWriter() *stuckWriter {
	return &stuckWriter{entered: make(chan struct{}, 1), unblock: make(chan struct{})}
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	select {
	case w.entered <- struct{}{}:
	default:
	}
	<-w.unblock
	return 0, os.ErrDeadlineExceeded
}

func (w *stuckWriter) SetWriteDeadline(time.Time) error {
	w.once.Do(func() { close(w.unblock) })
	return nil
}

// TestEndOnPeerGone: a peer found gone while sending ends both directions
// at once, even with the other one blocked on a local output.
func TestEndOnPeerGone(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	out := newStuckWriter()
	done := goRun(context.Background(), conn.(Conn), inR, out, Options{EndOnPeerGone: true, Idle: -1})
	peer.Write([]byte("x"))
	<-out.entered // the down pump is blocked on the output
	go func() {   // more input than the peer will take
		for {
			if _, err := inW.Write(make([]byte, 64<<10)); err != nil {
				return
			}
		}
	}()
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close() // reset mid-transfer
	r := await(t, done)
	var e *Error
	if !errors.As(r.err, &e) || e.Side != Connection || !e.Unsent {
		t.Fatalf("Run = %v, want the input the peer did not take", r.err)
	}
	inR.Close()
}

// debugLines records -vv's lines.
type debugLines struct {
	mu    sync.Mutex
	lines []string
}

func (d *debugLines) debugf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lines = append(d.lines, fmt.Sprintf(format, args...))
}

func (d *debugLines) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.lines, "\n")
}

// TestDebugSaysWhatHappened: -vv's lines say only what happened: a failed
// send is not reported as a shutdown of the write side.
func TestDebugSaysWhatHappened(t *testing.T) {
	var failed debugLines
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	_, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Debugf: failed.debugf, EndOnPeerGone: true})
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close()
	go func() {
		for {
			if _, err := inW.Write(make([]byte, 64<<10)); err != nil {
				return
			}
		}
	}()
	await(t, done)
	inR.Close()
	if all := failed.String(); strings.Contains(all, "shut down") || !strings.Contains(all, "stopped after") {
		t.Fatalf("debug lines:\n%s", all)
	}

	var ended debugLines
	conn2, peer2 := tcpPair(t)
	inR2, inW2 := pipe(t)
	done = goRun(context.Background(), conn2.(Conn), inR2, outW, Options{Debugf: ended.debugf})
	inW2.Close()
	io.ReadAll(peer2)
	peer2.Close()
	await(t, done)
	if all := ended.String(); !strings.Contains(all, "local input ended after 0 bytes; write side shut down") {
		t.Fatalf("debug lines:\n%s", all)
	}
}
