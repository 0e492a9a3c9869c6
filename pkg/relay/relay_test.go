package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testnet"
)

// bound says "hung", not "slow": no assertion depends on it being tight.
const bound = 30 * time.Second

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (ours, peer net.Conn) {
	return connPair(t, "tcp", "127.0.0.1:0")
}

func connPair(t *testing.T, network, addr string) (ours, peer net.Conn) {
	t.Helper()
	ours, peer = testnet.Pair(t, network, addr)
	peer.SetDeadline(time.Now().Add(bound))
	return ours, peer
}

func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

type runResult struct {
	st  Stats
	err error
}

func goRun(ctx context.Context, conn Conn, in io.Reader, out io.Writer, opt Options) <-chan runResult {
	ch := make(chan runResult, 1)
	go func() {
		st, err := Run(ctx, conn, in, out, opt)
		ch <- runResult{st, err}
	}()
	return ch
}

func await(t *testing.T, ch <-chan runResult) runResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(bound):
		t.Fatal("Run did not return")
	}
	panic("unreachable")
}

// TestHalfCloseBothWays: local EOF reaches the peer as EOF while the peer's
// reply still flows back, and the peer's EOF closes the local output.
func TestHalfCloseBothWays(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{})

	inW.Write([]byte("request"))
	inW.Close()
	got, err := io.ReadAll(peer) // ends only if the EOF was passed on
	if err != nil || string(got) != "request" {
		t.Fatalf("peer read %q, %v", got, err)
	}
	peer.Write([]byte("reply after our EOF"))
	peer.(*net.TCPConn).CloseWrite()
	back, err := io.ReadAll(outR) // ends only if out was closed at the peer's EOF
	if err != nil || string(back) != "reply after our EOF" {
		t.Fatalf("local output %q, %v", back, err)
	}
	r := await(t, done)
	if r.err != nil || r.st != (Stats{Sent: 7, Received: 19}) {
		t.Fatalf("Run = %+v, %v", r.st, r.err)
	}
}

// TestIdleInputEndsAfterPeerEOF: the peer has closed and the local input is a
// pipe nobody writes to: Run must not hang (CLOSE_WAIT).
func TestIdleInputEndsAfterPeerEOF(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, _ := pipe(t) // write end held open and idle
	_, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Idle: 20 * time.Millisecond})
	peer.Close()
	if r := await(t, done); r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
}

// TestFlowingInputContinuesAfterPeerEOF: after the peer's EOF, local input
// that keeps delivering is still forwarded to the end.
func TestFlowingInputContinuesAfterPeerEOF(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Idle: bound})
	peer.(*net.TCPConn).CloseWrite()
	if b, _ := io.ReadAll(outR); len(b) != 0 { // the peer's EOF reached us
		t.Fatalf("unexpected output %q", b)
	}
	for i := 0; i < 100; i++ {
		inW.Write([]byte("tail "))
	}
	inW.Close()
	got, err := io.ReadAll(peer)
	if err != nil || len(got) != 500 {
		t.Fatalf("peer got %d bytes, %v", len(got), err)
	}
	if r := await(t, done); r.err != nil || r.st.Sent != 500 {
		t.Fatalf("Run = %+v, %v", r.st, r.err)
	}
}

// TestInteractiveEndsAtPeerEOF: a terminal's reader is given up at once.
func TestInteractiveEndsAtPeerEOF(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, _ := pipe(t)
	_, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Interactive: true, Idle: time.Hour})
	peer.Close()
	if r := await(t, done); r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
}

// TestNegativeIdleWaitsForInputEOF: -k in connect mode outlives the peer's EOF.
func TestNegativeIdleWaitsForInputEOF(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Idle: -1})
	peer.(*net.TCPConn).CloseWrite()
	io.ReadAll(outR) // our output closed: the peer's EOF was seen
	select {
	case r := <-done:
		t.Fatalf("Run returned before the input's EOF: %+v", r)
	default:
	}
	inW.Write([]byte("late"))
	inW.Close()
	if got, _ := io.ReadAll(peer); string(got) != "late" {
		t.Fatalf("peer got %q", got)
	}
	await(t, done)
}

// TestQuitAfterInputEOF: -q 0 ends the relay at the input's EOF although the
// peer keeps its side open.
func TestQuitAfterInputEOF(t *testing.T) {
	conn, _ := tcpPair(t)
	inR, inW := pipe(t)
	_, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Quit: true})
	inW.Close()
	if r := await(t, done); r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
}

// TestNoShutdown: the input's EOF is not passed on to the peer.
func TestNoShutdown(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	_, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{NoShutdown: true})
	inW.Write([]byte("abc"))
	inW.Close()
	buf := make([]byte, 3)
	if _, err := io.ReadFull(peer, buf); err != nil {
		t.Fatal(err)
	}
	peer.(*net.TCPConn).CloseWrite()
	await(t, done)
	// conn is still open: no FIN may have been sent. The deadline only
	// bounds the check; the correct outcome is the timeout.
	peer.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := peer.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("peer read %d, %v: the EOF was passed on despite NoShutdown", n, err)
	}
}

// TestDrainOnOutputGone: a child that exits without reading its input must
// not get the peer reset; its output still arrives.
func TestDrainOnOutputGone(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	outR.Close() // the "child" will never read
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{DrainOnOutputGone: true, Idle: -1})
	go func() {
		peer.Write(bytes.Repeat([]byte("x"), 1<<20))
		peer.(*net.TCPConn).CloseWrite()
	}()
	inW.Write([]byte("hi\n"))
	inW.Close()
	if got, err := io.ReadAll(peer); err != nil || string(got) != "hi\n" {
		t.Fatalf("peer got %q, %v", got, err)
	}
	// Received counts what was delivered or discarded; a chunk lost in
	// the failed write is in neither.
	if r := await(t, done); r.err != nil || r.st.Received == 0 || r.st.Received > 1<<20 {
		t.Fatalf("Run = %+v, %v", r.st, r.err)
	}
}

// TestResetIsAnError: a reset connection is reported, not taken for EOF.
func TestResetIsAnError(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, _ := pipe(t)
	_, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{})
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close() // RST
	if r := await(t, done); r.err == nil {
		t.Fatal("Run returned nil after a reset")
	}
}

// TestCancel: a cancelled context ends the relay with its error.
func TestCancel(t *testing.T) {
	conn, _ := tcpPair(t)
	inR, _ := pipe(t)
	_, outW := pipe(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := goRun(ctx, conn.(Conn), inR, outW, Options{})
	cancel()
	if r := await(t, done); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Run: %v", r.err)
	}
}

// TestCopyPaths copies 4 MiB through every pairing of stream kinds, so each
// zero-copy path and the buffered fallback are exercised.
func TestCopyPaths(t *testing.T) {
	payload := make([]byte, 4<<20)
	rand.Read(payload)
	dir := t.TempDir()
	srcFile := filepath.Join(dir, "src")
	os.WriteFile(srcFile, payload, 0o600)

	type endpoint struct {
		name string
		// src returns a reader delivering payload; dst returns a writer
		// and a function that yields what reached it.
		src func(t *testing.T) io.Reader
		dst func(t *testing.T) (io.Writer, func() []byte)
	}
	feed := func(w io.WriteCloser) { w.Write(payload); w.Close() }
	sockEnd := func(network string) endpoint {
		addr := "127.0.0.1:0"
		return endpoint{
			name: network,
			src: func(t *testing.T) io.Reader {
				if network == "unix" {
					addr = filepath.Join(t.TempDir(), "s")
				}
				a, b := connPair(t, network, addr)
				go func() { b.Write(payload); b.Close() }()
				return a
			},
			dst: func(t *testing.T) (io.Writer, func() []byte) {
				if network == "unix" {
					addr = filepath.Join(t.TempDir(), "s")
				}
				a, b := connPair(t, network, addr)
				got := make(chan []byte, 1)
				go func() { d, _ := io.ReadAll(b); got <- d }()
				return a, func() []byte { a.Close(); return <-got }
			},
		}
	}
	ends := []endpoint{
		sockEnd("tcp"),
		sockEnd("unix"),
		{
			name: "file",
			src: func(t *testing.T) io.Reader {
				f, _ := os.Open(srcFile)
				t.Cleanup(func() { f.Close() })
				return f
			},
			dst: func(t *testing.T) (io.Writer, func() []byte) {
				f, _ := os.CreateTemp(t.TempDir(), "dst")
				return f, func() []byte { f.Close(); d, _ := os.ReadFile(f.Name()); return d }
			},
		},
		{
			name: "pipe",
			src: func(t *testing.T) io.Reader {
				r, w := pipe(t)
				go feed(w)
				return r
			},
			dst: func(t *testing.T) (io.Writer, func() []byte) {
				r, w := pipe(t)
				got := make(chan []byte, 1)
				go func() { d, _ := io.ReadAll(r); got <- d }()
				return w, func() []byte { w.Close(); return <-got }
			},
		},
	}
	for _, s := range ends {
		for _, d := range ends {
			t.Run(s.name+"->"+d.name, func(t *testing.T) {
				src := s.src(t)
				dst, result := d.dst(t)
				n, err := copyStream(dst, src, Output, Input)
				if err != nil || n != int64(len(payload)) {
					t.Fatalf("copyStream = %d, %v", n, err)
				}
				if !bytes.Equal(result(), payload) {
					t.Fatal("payload corrupted")
				}
			})
		}
	}
}

// TestNoGoroutineLeft: whichever way a relay ends, with streams that can be
// interrupted (sockets, pipes) no pump is left behind.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 10; i++ {
		t.Run("", func(t *testing.T) {
			TestIdleInputEndsAfterPeerEOF(t)
			TestInteractiveEndsAtPeerEOF(t)
			TestQuitAfterInputEOF(t)
			TestResetIsAnError(t)
			TestCancel(t)
		})
	}
	deadline := time.Now().Add(bound)
	for runtime.NumGoroutine() > before {
		// Pumps unblocked by a deadline finish shortly after Run
		// returns; there is no event to wait on, so poll.
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPeerGoneWhileSendingIsReported: input that can no longer be sent
// because the peer has closed is an error, not a silent loss.
func TestPeerGoneWhileSendingIsReported(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	_, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Idle: bound})
	peer.Close() // unread data makes the kernel answer with a reset
	go func() {
		for {
			if _, err := inW.Write(make([]byte, 64<<10)); err != nil {
				return
			}
		}
	}()
	r := await(t, done)
	if r.err == nil {
		t.Fatal("Run returned nil although input was lost")
	}
	inR.Close()
}

// TestQuitSilentWaitsWhileDataFlows: after the input's EOF, replies that keep
// coming are all delivered; the relay ends once the connection is silent.
func TestQuitSilentWaitsWhileDataFlows(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	silence := 300 * time.Millisecond
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{Quit: true, QuitAfter: silence, QuitSilent: true})
	inW.Close()
	if got, _ := io.ReadAll(peer); len(got) != 0 {
		t.Fatalf("peer got %q", got)
	}
	// Each reply is sent only once the previous one has been delivered,
	// and together they span more than one silence: an absolute timer would
	// have cut the stream.
	buf := make([]byte, 16)
	start := time.Now()
	for i := 0; time.Since(start) < 3*silence || i < 5; i++ {
		peer.Write([]byte("x"))
		if _, err := io.ReadFull(outR, buf[:1]); err != nil {
			t.Fatalf("reply %d not delivered: %v", i, err)
		}
	}
	r := await(t, done)
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
}

// TestIdleTimeout: no data either way for the timeout ends the relay with
// ErrIdleTimeout; data that keeps moving does not.
func TestIdleTimeout(t *testing.T) {
	conn, peer := tcpPair(t)
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	idle := 100 * time.Millisecond
	done := goRun(context.Background(), conn.(Conn), inR, outW, Options{IdleTimeout: idle})
	buf := make([]byte, 1)
	start := time.Now()
	for time.Since(start) < 3*idle {
		inW.Write([]byte("a"))
		if _, err := io.ReadFull(peer, buf); err != nil {
			t.Fatalf("relay ended while data moved: %v", err)
		}
		peer.Write([]byte("b"))
		if _, err := io.ReadFull(outR, buf); err != nil {
			t.Fatalf("relay ended while data moved: %v", err)
		}
	}
	r := await(t, done)
	var ie *IdleTimeoutError
	if !errors.Is(r.err, ErrIdleTimeout) || !errors.As(r.err, &ie) || ie.Error() != "idle timeout expired (100 ms)" {
		t.Fatalf("Run = %v, want the idle timeout", r.err)
	}
	if r.st.Sent == 0 || r.st.Received == 0 {
		t.Fatalf("stats %+v", r.st)
	}
}

// TestNoInput: a nil input (--recv-only) sends nothing, leaves the write side
// open, and ends with the connection's EOF.
func TestNoInput(t *testing.T) {
	conn, peer := tcpPair(t)
	outR, outW := pipe(t)
	done := goRun(context.Background(), conn.(Conn), nil, outW, Options{})
	peer.Write([]byte("data"))
	peer.(*net.TCPConn).CloseWrite()
	if got, err := io.ReadAll(outR); err != nil || string(got) != "data" {
		t.Fatalf("output %q, %v", got, err)
	}
	if r := await(t, done); r.err != nil || r.st != (Stats{Received: 4}) {
		t.Fatalf("Run = %+v, %v", r.st, r.err)
	}
	// Our side was not shut down: the peer reads no EOF until we close.
	peer.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := peer.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("peer read %v, want no EOF yet", err)
	}
}
