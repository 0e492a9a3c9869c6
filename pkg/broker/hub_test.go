package broker

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncWriter is a hub's local output the test can read back.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	err error // returned by every Write once set
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor polls (the writer has no event to wait on) until out holds s.
func waitFor(t *testing.T, out *syncWriter, s string) {
	t.Helper()
	deadline := time.Now().Add(maxWait)
	for !strings.Contains(out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q lacks %q", out.String(), s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHub: in hub mode a client's bytes go to the output, not to the other
// clients; local input goes to every client, and its EOF is passed on to
// each once it has been sent everything, and to later clients at once.
func TestHub(t *testing.T) {
	out := &syncWriter{}
	srv := startGcat(t, Options{Output: out, EndWithLocal: true, MaxQueue: noDrops})
	a, b := dial(t, srv.addr()), dial(t, srv.addr())
	srv.waitAdded(t, 2)
	a.Write([]byte("from a\n"))
	b.Write([]byte("from b\n"))
	waitFor(t, out, "from a\n")
	waitFor(t, out, "from b\n")
	big := pattern(7, 1<<20)
	srv.input().Write(big)
	srv.input().Close()
	for name, c := range map[string]net.Conn{"a": a, "b": b} {
		c.SetReadDeadline(time.Now().Add(maxWait))
		got, err := io.ReadAll(c) // ends with the EOF passed on
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("client %s got %d bytes, %v; want the input and EOF", name, len(got), err)
		}
	}
	late := dial(t, srv.addr())
	srv.waitAdded(t, 3)
	late.SetReadDeadline(time.Now().Add(maxWait))
	if got, err := io.ReadAll(late); err != nil || len(got) != 0 {
		t.Fatalf("a client joining after the input's EOF got %q, %v", got, err)
	}
	late.Write([]byte("still heard\n"))
	waitFor(t, out, "still heard\n")
}

// TestHubSlowClient: a client that stops reading never holds up the
// others; it is dropped, with a log line, once too far behind. Local input
// goes at the pace of the fastest client, so a client that keeps reading is
// never too far behind.
//
// Until its socket buffers are full, a client that has stopped reading
// takes data as fast as the kernel does and so may be the fastest: the
// queue must hold more than those buffers, or a reader that is slow to be
// scheduled falls behind the stalled client's buffered progress and is
// the one dropped (as the test did on a loaded machine with a 1 MiB queue).
// gcat's own hub queue (pkg/netcat) is 16 MiB.
func TestHubSlowClient(t *testing.T) {
	var logged sync.Map
	logf := func(format string, args ...any) { logged.Store(format, true) }
	queue := 2 * maxSendBuffer()
	srv := startGcat(t, Options{Output: &syncWriter{}, EndWithLocal: true, MaxQueue: queue, Logf: logf})
	stalled := dial(t, srv.addr())
	stalled.SetReadBuffer(4096)
	reader := dial(t, srv.addr())
	srv.waitAdded(t, 2)
	data := pattern(3, 4*queue) // far more than the queue and the socket buffers hold
	go func() {
		srv.input().Write(data)
		srv.input().Close()
	}()
	reader.SetReadDeadline(time.Now().Add(maxWait))
	got, err := io.ReadAll(reader)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the reader got %d of %d bytes, %v", len(got), len(data), err)
	}
	if _, ok := logged.Load("dropped %s: more than %d bytes waiting for it"); !ok {
		t.Error("the stalled client's drop was not logged")
	}
	stalled.SetReadDeadline(time.Now().Add(maxWait))
	_, err = io.Copy(io.Discard, stalled)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the stalled client ended with %v, want a reset", err)
	}
}

// maxSendBuffer is the most a TCP socket's send buffer grows to: Linux's
// tcp_wmem maximum, or 4 MiB (its default) where that cannot be read.
func maxSendBuffer() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	if f := strings.Fields(string(b)); err == nil && len(f) == 3 {
		if n, err := strconv.Atoi(f[2]); err == nil && n > 0 {
			return n
		}
	}
	return 4 << 20
}

// TestLocalInputWaits: local input faster than every client waits for the
// fastest instead of running ahead until the clients are dropped.
func TestLocalInputWaits(t *testing.T) {
	srv := startGcat(t, Options{Output: &syncWriter{}, MaxQueue: 1 << 20})
	c := dial(t, srv.addr())
	srv.waitAdded(t, 1)
	data := pattern(5, 32<<20) // more than the queue and the socket buffers hold
	go func() { srv.input().Write(data) }()
	time.Sleep(200 * time.Millisecond) // let the input run ahead, if it can
	c.SetReadDeadline(time.Now().Add(maxWait))
	got := make([]byte, len(data))
	if n, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("a client that reads late got %d of %d bytes, %v", n, len(data), err)
	}
}

// TestHubOutputFails: a failed write of the output is told once, and what
// clients send after it is not written.
func TestHubOutputFails(t *testing.T) {
	out := &syncWriter{err: syscall.ENOSPC}
	failed := make(chan error, 10)
	srv := startGcat(t, Options{Output: out, OutputFailed: func(err error) { failed <- err }})
	c := dial(t, srv.addr())
	c.Write([]byte("one\n"))
	select {
	case err := <-failed:
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("told %v", err)
		}
	case <-time.After(maxWait):
		t.Fatal("the failure was not told")
	}
	out.mu.Lock()
	out.err = nil
	out.mu.Unlock()
	c.Write([]byte("two\n"))
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(maxWait))
	io.Copy(io.Discard, c) // the client has been served to its end
	if len(failed) != 0 || out.String() != "" {
		t.Fatalf("told again (%d) or written after the failure: %q", len(failed), out.String())
	}
}

// TestAddDone: the channel Add returns is closed once the client's conn is.
func TestAddDone(t *testing.T) {
	b := New(Options{})
	defer b.Close()
	ours, theirs := net.Pipe()
	done := b.Add(ours)
	theirs.Close()
	select {
	case <-done:
	case <-time.After(maxWait):
		t.Fatal("done not closed after the client left")
	}
	b.Close()
	ours, _ = net.Pipe()
	select {
	case <-b.Add(ours):
	case <-time.After(maxWait):
		t.Fatal("Add after Close: done not closed")
	}
}
