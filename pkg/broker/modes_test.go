package broker

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// watched is a client conn whose reads the test follows: each Read says
// when it starts and what it returned. A Read that starts after the one
// that returned some bytes proves the broker has handled those bytes.
type watched struct {
	net.Conn
	events chan readEvent
}

type readEvent struct {
	started bool
	data    string
	err     error
}

func (w *watched) Read(p []byte) (int, error) {
	w.events <- readEvent{started: true}
	n, err := w.Conn.Read(p)
	w.events <- readEvent{data: string(p[:n]), err: err}
	return n, err
}

// handled waits until the broker has read token from w and handled it.
func (w *watched) handled(t *testing.T, token string) {
	t.Helper()
	timeout := time.After(maxWait)
	seen := false
	for {
		select {
		case e := <-w.events:
			switch {
			case seen && e.started:
				return
			case strings.Contains(e.data, token):
				seen = true
			case e.err != nil:
				t.Fatalf("read ended (%v) before %q was handled", e.err, token)
			}
		case <-timeout:
			t.Fatalf("%q not handled within %v", token, maxWait)
		}
	}
}

// startWatched serves b with every server-side conn watched; conns
// yields them in the order they were accepted.
func startWatched(t *testing.T, b *Broker) (srv *gcatServer, conns <-chan *watched) {
	t.Helper()
	ch := make(chan *watched, 16)
	srv = startGcatWith(t, b, func(c net.Conn) net.Conn {
		w := &watched{Conn: c, events: make(chan readEvent, 1024)}
		ch <- w
		return w
	})
	return srv, ch
}

// join connects a client and returns it with its server-side conn, once
// the broker has added it as the n-th.
func joinPeer(t *testing.T, srv *gcatServer, conns <-chan *watched, n int) (*peer, *watched) {
	t.Helper()
	p := dialPeer(t, srv.addr())
	t.Cleanup(func() { p.conn.Close() })
	srv.waitAdded(t, n)
	return p, <-conns
}

// streamEnd is the broadcast stream's length: what has been published.
func (b *Broker) streamEnd() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tail.end
}

func writeLocal(t *testing.T, srv *gcatServer, data string) {
	t.Helper()
	if _, err := srv.in.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
}

// TestSendOnly: local input reaches every client, clients' data reaches no
// one, and a half-closed client keeps receiving until a write to it fails,
// as with ncat 7.93's --broker --send-only.
func TestSendOnly(t *testing.T) {
	b := New(Options{SendOnly: true, MaxQueue: noDrops})
	held := make(chan struct{}, 4)
	b.heldAtEOF = func() { held <- struct{}{} }
	srv, conns := startWatched(t, b)
	a, wa := joinPeer(t, srv, conns, 1)
	c, wc := joinPeer(t, srv, conns, 2)

	before := b.streamEnd()
	talk := func(p *peer, w *watched, msg string) {
		if _, err := p.conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		w.handled(t, msg)
	}
	talk(a, wa, "A talks (m1)\n")
	talk(c, wc, "C talks (m2)\n")
	if after := b.streamEnd(); after != before {
		t.Fatalf("clients' data was broadcast: the stream grew by %d bytes", after-before)
	}
	writeLocal(t, srv, "to all (l1)\n")
	a.waitFor(t, "A", "(l1)\n")
	c.waitFor(t, "C", "(l1)\n")

	// A half-closes: the broker reads its EOF and keeps it.
	if err := a.conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	recv(t, held)
	if n := b.Len(); n != 2 {
		t.Fatalf("Len() = %d after A's half-close, want 2", n)
	}
	writeLocal(t, srv, "still to all (l2)\n")
	a.waitFor(t, "A", "(l2)\n")
	c.waitFor(t, "C", "(l2)\n")
	for name, p := range map[string]*peer{"A": a, "C": c} {
		if got := string(p.received()); got != "to all (l1)\nstill to all (l2)\n" {
			t.Errorf("%s got %q", name, got)
		}
	}

	// A closes for good: the writes that fail retire it.
	a.conn.Close()
	deadline := time.Now().Add(maxWait)
	for i := 0; b.Len() > 1; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("A still a member %v after it closed", maxWait)
		}
		writeLocal(t, srv, fmt.Sprintf("(x%d)\n", i))
		c.waitFor(t, "C", fmt.Sprintf("(x%d)\n", i))
	}

	// A client held at its EOF does not hold up Close.
	if err := c.conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	recv(t, held)
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	recv(t, closed)
}

// TestChatSendOnly: in --chat mode joins are still announced and local
// input is still prefixed, but clients' lines go to no one. ncat 7.93's
// announcement then says "already connected: nobody" whoever is there;
// gcat names them.
func TestChatSendOnly(t *testing.T) {
	b := New(Options{Chat: true, SendOnly: true, FirstUser: 4, MaxQueue: noDrops})
	srv, conns := startWatched(t, b)
	a, wa := joinPeer(t, srv, conns, 1)
	c, _ := joinPeer(t, srv, conns, 2)
	a.waitFor(t, "A", "<announce> 127.0.0.1 is connected as <user5>.\n<announce> already connected: 127.0.0.1 as <user4>.\n")
	c.waitFor(t, "C", "<announce> 127.0.0.1 is connected as <user5>.\n<announce> already connected: 127.0.0.1 as <user4>.\n")

	before := b.streamEnd()
	if _, err := a.conn.Write([]byte("A talks (m1)\n")); err != nil {
		t.Fatal(err)
	}
	wa.handled(t, "(m1)")
	if after := b.streamEnd(); after != before {
		t.Fatalf("a client's line was broadcast: the stream grew by %d bytes", after-before)
	}
	writeLocal(t, srv, "from stdin (l1)\n")
	a.waitFor(t, "A", "<user0> from stdin (l1)\n")
	c.waitFor(t, "C", "<user0> from stdin (l1)\n")
}

// TestRecvOnly: nothing is sent to any client (no announcement either),
// local input is left unread, and a client's EOF ends it, as with ncat
// 7.93's --recv-only.
func TestRecvOnly(t *testing.T) {
	b := New(Options{Chat: true, RecvOnly: true, SendOnly: true})
	in := strings.NewReader("never read")
	done := make(chan error, 1)
	go func() { done <- b.FromLocal(in) }() // would wait for a client
	if err := recv(t, done); err != nil || in.Len() != len("never read") {
		t.Fatalf("FromLocal: %v, %d bytes left of %d", err, in.Len(), len("never read"))
	}
	srv, conns := startWatched(t, b)
	a, wa := joinPeer(t, srv, conns, 1)
	c, wc := joinPeer(t, srv, conns, 2)
	for _, s := range []struct {
		p   *peer
		w   *watched
		msg string
	}{{a, wa, "A talks (m1)\n"}, {c, wc, "C talks (m2)\n"}} {
		if _, err := s.p.conn.Write([]byte(s.msg)); err != nil {
			t.Fatal(err)
		}
		s.w.handled(t, s.msg)
	}
	if end := b.streamEnd(); end != 0 {
		t.Fatalf("%d bytes were broadcast", end)
	}
	// A's half-close ends it.
	if err := a.conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	a.waitFor(t, "A", eof)
	if n := b.Len(); n != 1 {
		t.Errorf("Len() = %d after A left, want 1", n)
	}
	if end := b.streamEnd(); end != 0 {
		t.Fatalf("%d bytes were broadcast", end)
	}
	srv.stop(t)
	c.waitFor(t, "C", eof)
	if got := c.received(); len(got) != 0 {
		t.Errorf("C got %q", got)
	}
}

// recv returns what ch delivers, within maxWait.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(maxWait):
		t.Fatalf("nothing within %v", maxWait)
	}
	var zero T
	return zero
}
