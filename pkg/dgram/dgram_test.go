package dgram_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/dgram"
)

// wait bounds every blocking step of these tests: nothing here waits on
// luck, only on events that must happen well within it.
const wait = 10 * time.Second

// bigBuf is more than any datagram, so that one Read is one datagram.
const bigBuf = 1<<16 + 1

// drop is one call of Options.Dropped.
type drop struct{ from, why string }

// dropRecorder returns an Options.Dropped that reports every call on the
// returned channel.
func dropRecorder() (func(net.Addr, string), <-chan drop) {
	ch := make(chan drop, 1024)
	return func(from net.Addr, why string) {
		select {
		case ch <- drop{from.String(), why}:
		default: // nobody checks that many
		}
	}, ch
}

// expectDrop waits for the next drop and checks it is from's, for why.
func expectDrop(t *testing.T, drops <-chan drop, from net.Addr, why string) {
	t.Helper()
	select {
	case d := <-drops:
		if d.from != from.String() || d.why != why {
			t.Fatalf("dropped datagram from %s (%q), want from %s (%q)", d.from, d.why, from, why)
		}
	case <-time.After(wait):
		t.Fatalf("no datagram from %s dropped (%q) within %v", from, why, wait)
	}
}

// listenUDP starts a Listener on one UDP socket with a generous receive
// buffer, closed when the test ends, and returns it with its socket.
func listenUDP(t *testing.T, network, addr string, opt dgram.Options) (*dgram.Listener, net.PacketConn) {
	t.Helper()
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	pc.(*net.UDPConn).SetReadBuffer(4 << 20)
	l := dgram.Listen([]net.PacketConn{pc}, opt)
	t.Cleanup(func() { l.Close() })
	return l, pc
}

// dialUDP connects an IPv4 UDP client socket to a, closed when the test ends.
func dialUDP(t *testing.T, a net.Addr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, a.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadBuffer(4 << 20)
	t.Cleanup(func() { c.Close() })
	return c
}

// accept returns the Listener's next session, closed when the test ends.
func accept(t *testing.T, l *dgram.Listener) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// send writes p in one Write.
func send(t *testing.T, w io.Writer, p []byte) {
	t.Helper()
	if n, err := w.Write(p); n != len(p) || err != nil {
		t.Fatalf("Write of %d bytes: %d, %v", len(p), n, err)
	}
}

// readOne reads one datagram from c, waiting at most wait.
func readOne(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, bigBuf)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("Read on %s: %v", c.LocalAddr(), err)
	}
	return buf[:n]
}

// expectRead reads one datagram from c and checks it is want.
func expectRead(t *testing.T, c net.Conn, want []byte) {
	t.Helper()
	if got := readOne(t, c); !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes %.40q, want %d bytes %.40q", len(got), got, len(want), want)
	}
}

// expectEOF checks that the next Read on c returns io.EOF within wait.
func expectEOF(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	n, err := c.Read(make([]byte, bigBuf))
	if n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v; want 0, io.EOF", n, err)
	}
}

// pattern returns n bytes that differ from those of another seed.
func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i%251)
	}
	return p
}

// TestSessionPerPeer proves that each peer gets a Session of its own: the
// Session reads exactly its peer's datagrams, in order and one per Read
// (boundaries kept, whatever their sizes), its writes reach its peer and no
// other, RemoteAddr is the peer and LocalAddr the listening address.
func TestSessionPerPeer(t *testing.T) {
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{})
	a := dialUDP(t, pc.LocalAddr())
	b := dialUDP(t, pc.LocalAddr())

	send(t, a, []byte("a-hello"))
	sa := accept(t, l)
	send(t, b, []byte("b-hello"))
	sb := accept(t, l)
	for _, p := range []struct {
		s    net.Conn
		peer *net.UDPConn
	}{{sa, a}, {sb, b}} {
		if got, want := p.s.RemoteAddr().String(), p.peer.LocalAddr().String(); got != want {
			t.Errorf("RemoteAddr = %s, want the peer %s", got, want)
		}
		if got, want := p.s.LocalAddr().String(), pc.LocalAddr().String(); got != want {
			t.Errorf("LocalAddr = %s, want %s", got, want)
		}
	}

	// Interleaved on the one socket: a session that got the other peer's
	// datagram would read it before its own end marker.
	fromA := [][]byte{pattern(1, 'a'), pattern(1000, 'b'), pattern(30000, 'c'), []byte("a-end")}
	fromB := [][]byte{pattern(60000, 'd'), pattern(7, 'e'), pattern(500, 'f'), []byte("b-end")}
	for i := range fromA {
		send(t, a, fromA[i])
		send(t, b, fromB[i])
	}
	expectRead(t, sa, []byte("a-hello"))
	for _, d := range fromA {
		expectRead(t, sa, d)
	}
	expectRead(t, sb, []byte("b-hello"))
	for _, d := range fromB {
		expectRead(t, sb, d)
	}

	// Likewise the clients: each must read its session's reply, then its
	// session's end marker, and nothing of the other session's in between.
	send(t, sa, []byte("to a"))
	send(t, sb, []byte("to b"))
	send(t, sa, pattern(40000, 'g'))
	send(t, sb, pattern(20000, 'h'))
	expectRead(t, a, []byte("to a"))
	expectRead(t, a, pattern(40000, 'g'))
	expectRead(t, b, []byte("to b"))
	expectRead(t, b, pattern(20000, 'h'))
}

// TestReplyFromAddressSentTo proves that a listener on a wildcard address
// answers each peer from the address the peer sent to (IP_PKTINFO /
// IPV6_PKTINFO), not from whatever address the routing table would pick, and
// that the session's LocalAddr is that address.
func TestReplyFromAddressSentTo(t *testing.T) {
	t.Run("IPv4", func(t *testing.T) {
		// 127.0.0.2 answers on Linux loopback, yet a socket without a
		// chosen source address would reply from 127.0.0.1.
		probe, err := net.ListenPacket("udp4", "127.0.0.2:0")
		if err != nil {
			t.Skipf("127.0.0.2 is not a local address here: %v", err)
		}
		probe.Close()
		testReplySource(t, "udp4", "0.0.0.0:0", "127.0.0.1:0", net.ParseIP("127.0.0.2"))
	})
	t.Run("IPv6", func(t *testing.T) {
		testReplySource(t, "udp6", "[::]:0", "[::1]:0", net.IPv6loopback)
	})
}

// testReplySource has fresh peers send to the address to of a Listener on
// listenAddr, and checks each session from the moment Accept returns it:
// before its first Read, its LocalAddr must be that address and its Write
// must come from it.
func testReplySource(t *testing.T, network, listenAddr, clientAddr string, to net.IP) {
	pc, err := net.ListenPacket(network, listenAddr)
	if err != nil {
		t.Skipf("cannot listen on %s %s: %v", network, listenAddr, err)
	}
	l := dgram.Listen([]net.PacketConn{pc}, dgram.Options{})
	t.Cleanup(func() { l.Close() })
	port := pc.LocalAddr().(*net.UDPAddr).Port
	dst := &net.UDPAddr{IP: to, Port: port}

	for i := range 20 {
		c, err := net.ListenPacket(network, clientAddr)
		if err != nil {
			t.Skipf("cannot open a %s client on %s: %v", network, clientAddr, err)
		}
		defer c.Close()
		if _, err := c.WriteTo([]byte("hello"), dst); err != nil {
			t.Skipf("cannot send to %s: %v", dst, err)
		}

		s := accept(t, l)
		if got, want := s.LocalAddr().String(), dst.String(); got != want {
			t.Errorf("peer %d: session LocalAddr = %s, want the address sent to, %s", i, got, want)
		}
		if got, want := s.RemoteAddr().String(), c.LocalAddr().String(); got != want {
			t.Errorf("peer %d: session RemoteAddr = %s, want %s", i, got, want)
		}
		send(t, s, []byte("reply"))

		c.SetReadDeadline(time.Now().Add(wait))
		buf := make([]byte, bigBuf)
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("peer %d: client ReadFrom: %v", i, err)
		}
		if string(buf[:n]) != "reply" {
			t.Errorf("peer %d: client read %q, want %q", i, buf[:n], "reply")
		}
		if u := from.(*net.UDPAddr); !u.IP.Equal(to) || u.Port != port {
			t.Errorf("peer %d: reply came from %s, want %s", i, from, dst)
		}
		expectRead(t, s, []byte("hello"))
	}
}

// TestExpire proves Options.Expire: once the peer has been silent that long a
// session's Read returns, in order, whatever the peer had sent, then io.EOF,
// and the peer's next datagram starts a new session.
func TestExpire(t *testing.T) {
	const expire = 100 * time.Millisecond

	t.Run("EOFThenNewSession", func(t *testing.T) {
		l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{Expire: expire})
		a := dialUDP(t, pc.LocalAddr())

		start := time.Now()
		send(t, a, []byte("hello"))
		s := accept(t, l)
		expectRead(t, s, []byte("hello"))
		expectEOF(t, s)
		// Expire counts from the datagram's arrival, after start; allow
		// for the wall clock it is measured on being slewed.
		if d := time.Since(start); d < expire-5*time.Millisecond {
			t.Errorf("io.EOF after %v, before Expire (%v)", d, expire)
		}

		send(t, a, []byte("again"))
		s2 := accept(t, l)
		if s2 == s {
			t.Fatal("Accept returned the expired session again")
		}
		if got, want := s2.RemoteAddr().String(), a.LocalAddr().String(); got != want {
			t.Errorf("new session RemoteAddr = %s, want %s", got, want)
		}
		expectRead(t, s2, []byte("again"))
		// The expired session got nothing of it.
		expectEOF(t, s)
	})

	t.Run("QueuedBeforeEOF", func(t *testing.T) {
		l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{Expire: expire})
		a := dialUDP(t, pc.LocalAddr())
		b := dialUDP(t, pc.LocalAddr())

		// One socket, one reader: b's datagram is routed after all of
		// a's, so when b's session expires a's has too, and a's three
		// datagrams sit unread in its queue.
		want := [][]byte{[]byte("q1"), pattern(3000, 'q'), []byte("q3")}
		for _, d := range want {
			send(t, a, d)
		}
		send(t, b, []byte("sentinel"))
		sa := accept(t, l)
		sb := accept(t, l)
		if got := sb.RemoteAddr().String(); got != b.LocalAddr().String() {
			t.Fatalf("second session is %s's, want b's (%s)", got, b.LocalAddr())
		}
		expectRead(t, sb, []byte("sentinel"))
		expectEOF(t, sb)

		for _, d := range want {
			expectRead(t, sa, d)
		}
		expectEOF(t, sa)
	})
}

// TestQueueFull proves that a session whose reader falls behind keeps a
// bounded queue: further datagrams are dropped and reported ("its session's
// queue is full"), the queued ones are read in order, and once there is
// room again the peer's datagrams arrive again.
func TestQueueFull(t *testing.T) {
	dropped, drops := dropRecorder()
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{Dropped: dropped})
	a := dialUDP(t, pc.LocalAddr())
	b := dialUDP(t, pc.LocalAddr())

	send(t, a, []byte("0"))
	sa := accept(t, l)
	send(t, b, []byte("pace"))
	sb := accept(t, l)
	expectRead(t, sb, []byte("pace"))

	// Fill a's queue without reading it. Each of b's datagrams, routed
	// after a's, is read back before a sends again: the socket never holds
	// more than two, and a drop has been reported by the time b's arrives.
	queued := 1
	for ; ; queued++ {
		if queued > 100000 {
			t.Fatal("no datagram dropped: the session queue is unbounded")
		}
		send(t, a, fmt.Appendf(nil, "%d", queued))
		send(t, b, []byte("pace"))
		expectRead(t, sb, []byte("pace"))
		select {
		case d := <-drops:
			if d.from != a.LocalAddr().String() || d.why != "its session's queue is full" {
				t.Fatalf("dropped from %s (%q), want from %s for a full queue", d.from, d.why, a.LocalAddr())
			}
		default:
			continue
		}
		break
	}
	t.Logf("a session queues %d datagrams", queued)
	for i := range queued {
		expectRead(t, sa, fmt.Appendf(nil, "%d", i))
	}
	send(t, a, []byte("room again"))
	expectRead(t, sa, []byte("room again"))
}

// TestShortRead proves that a Read with a buffer shorter than the datagram
// returns the rest of it on the following Reads, and that the next datagram
// starts a Read of its own.
func TestShortRead(t *testing.T) {
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{})
	a := dialUDP(t, pc.LocalAddr())
	d := pattern(25, 'A')
	send(t, a, d)
	send(t, a, []byte("next"))
	s := accept(t, l)
	s.SetReadDeadline(time.Now().Add(wait))

	buf := make([]byte, 10)
	var got []byte
	for _, want := range []int{10, 10, 5} {
		n, err := s.Read(buf)
		if n != want || err != nil {
			t.Fatalf("Read = %d, %v; want %d, nil", n, err, want)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, d) {
		t.Fatalf("reassembled %q, want %q", got, d)
	}
	n, err := s.Read(buf)
	if err != nil || string(buf[:n]) != "next" {
		t.Fatalf("Read = %q, %v; want %q", buf[:n], err, "next")
	}
}

// TestReadDeadline proves that setting a read deadline in the past wakes a
// blocked Read with os.ErrDeadlineExceeded, a timeout net.Error, and fails
// further Reads at once; that a future deadline fires by itself; and that
// clearing the deadline lets Reads wait for data again.
func TestReadDeadline(t *testing.T) {
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{})
	a := dialUDP(t, pc.LocalAddr())
	send(t, a, []byte("first"))
	s := accept(t, l)
	expectRead(t, s, []byte("first"))
	s.SetReadDeadline(time.Time{})

	// readAsync starts a Read with no deadline of its own; ready is closed
	// when the goroutine is about to call it, done gets what it read.
	type result struct {
		data string
		err  error
	}
	readAsync := func() (ready <-chan struct{}, done <-chan result) {
		r := make(chan struct{})
		d := make(chan result, 1)
		go func() {
			close(r)
			buf := make([]byte, 100)
			n, err := s.Read(buf)
			d <- result{string(buf[:n]), err}
		}()
		return r, d
	}
	await := func(done <-chan result) result {
		t.Helper()
		select {
		case r := <-done:
			return r
		case <-time.After(wait):
			t.Fatalf("Read still blocked after %v", wait)
			return result{}
		}
	}

	// The Read may or may not be blocked yet when the deadline passes: it
	// must fail either way.
	ready, done := readAsync()
	<-ready
	s.SetReadDeadline(time.Now().Add(-time.Second))
	err := await(done).err
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("blocked Read after a past deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("%v is not a timeout net.Error", err)
	}
	if _, err := s.Read(make([]byte, 100)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read while the deadline is past: %v, want os.ErrDeadlineExceeded", err)
	}

	// A deadline in the near future fires without anyone touching it.
	s.SetDeadline(time.Now().Add(50 * time.Millisecond))
	_, done = readAsync()
	if err := await(done).err; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past a future deadline: %v, want os.ErrDeadlineExceeded", err)
	}

	// Cleared, the deadline no longer fails Reads: this one waits for the
	// datagram sent after it began.
	s.SetReadDeadline(time.Time{})
	ready, done = readAsync()
	<-ready
	send(t, a, []byte("second"))
	if r := await(done); r.err != nil || r.data != "second" {
		t.Fatalf("Read after clearing the deadline = %q, %v; want %q", r.data, r.err, "second")
	}
	// ...and a datagram already there is read at once.
	send(t, a, []byte("third"))
	expectRead(t, s, []byte("third"))

	// A past deadline fails a Read even with a datagram waiting, which is
	// left for the Read after the deadline is cleared. b's session, whose
	// datagram is routed after a's, shows a's has been queued.
	b := dialUDP(t, pc.LocalAddr())
	s.SetReadDeadline(time.Now().Add(-time.Second))
	send(t, a, []byte("fourth"))
	send(t, b, []byte("sentinel"))
	accept(t, l)
	if _, err := s.Read(make([]byte, 100)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past the deadline with a datagram waiting: %v, want os.ErrDeadlineExceeded", err)
	}
	s.SetReadDeadline(time.Time{})
	expectRead(t, s, []byte("fourth"))
}

// TestSessionClose proves a Session's Close: it wakes a blocked Read with
// net.ErrClosed, later Reads fail the same way even with datagrams queued,
// Writes fail, and the peer's next datagram starts a new session.
func TestSessionClose(t *testing.T) {
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{})
	a := dialUDP(t, pc.LocalAddr())
	b := dialUDP(t, pc.LocalAddr())
	send(t, a, []byte("x"))
	s := accept(t, l)
	expectRead(t, s, []byte("x"))

	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(ready)
		_, err := s.Read(make([]byte, 100))
		done <- err
	}()
	<-ready
	s.Close() // the Read may not have begun yet: it must fail either way
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked Read after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(wait):
		t.Fatalf("Read still blocked %v after Close", wait)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v, want net.ErrClosed", err)
	}

	// A closed session with data queued: y reaches s2, then z is queued
	// for it (b's session, routed after z, shows so) before s2 closes.
	send(t, a, []byte("y"))
	s2 := accept(t, l)
	if s2 == s {
		t.Fatal("Accept returned the closed session")
	}
	expectRead(t, s2, []byte("y"))
	send(t, a, []byte("z"))
	send(t, b, []byte("sentinel"))
	accept(t, l)
	s2.Close()
	if n, err := s2.Read(make([]byte, 100)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read on a closed session with a datagram queued = %d, %v; want net.ErrClosed", n, err)
	}
}

// TestConcurrentReads proves that a Session, like any net.Conn, may be read
// from several goroutines at once (run with -race): every byte sent is read
// exactly once, even when short buffers leave parts of datagrams pending.
func TestConcurrentReads(t *testing.T) {
	const count, size = 50, 10
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{})
	a := dialUDP(t, pc.LocalAddr())
	for range count {
		send(t, a, []byte("0123456789"))
	}
	s := accept(t, l)
	s.SetReadDeadline(time.Now().Add(wait))

	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 3)
			for {
				n, err := s.Read(buf)
				if err != nil {
					return
				}
				mu.Lock()
				total += n
				if total == count*size {
					s.Close() // all read: wake the other readers
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if total != count*size {
		t.Fatalf("read %d bytes in all, want %d", total, count*size)
	}
}

// TestListenerClose proves Close's contract: Accept, pending or later, fails
// with net.ErrClosed; new peers' datagrams are dropped ("not accepting new
// peers"), as are those of peers whose session was queued but never
// accepted; sessions already handed out keep working both ways; and the
// socket is closed exactly when the last of them closes.
func TestListenerClose(t *testing.T) {
	t.Run("WithSession", func(t *testing.T) {
		dropped, drops := dropRecorder()
		l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{Dropped: dropped})
		a := dialUDP(t, pc.LocalAddr())
		b := dialUDP(t, pc.LocalAddr())
		c := dialUDP(t, pc.LocalAddr())

		send(t, a, []byte("a1"))
		sa := accept(t, l)
		expectRead(t, sa, []byte("a1"))
		// b's session waits for an Accept that never comes; a2, behind b1
		// on the socket, shows b1 has been routed.
		send(t, b, []byte("b1"))
		send(t, a, []byte("a2"))
		expectRead(t, sa, []byte("a2"))

		if err := l.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if s, err := l.Accept(ctx); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close = %v, %v; want net.ErrClosed", s, err)
		}

		send(t, c, []byte("c1"))
		expectDrop(t, drops, c.LocalAddr(), "not accepting new peers")
		send(t, b, []byte("b2"))
		expectDrop(t, drops, b.LocalAddr(), "not accepting new peers")

		// The session handed out still works, and so does its socket.
		send(t, sa, []byte("still here"))
		expectRead(t, a, []byte("still here"))
		send(t, a, []byte("a3"))
		expectRead(t, sa, []byte("a3"))
		if _, err := pc.WriteTo([]byte("probe"), a.LocalAddr()); err != nil {
			t.Fatalf("socket closed while a session is open: %v", err)
		}
		expectRead(t, a, []byte("probe"))

		if err := sa.Close(); err != nil {
			t.Fatalf("session Close: %v", err)
		}
		if _, err := pc.WriteTo([]byte("probe"), a.LocalAddr()); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("WriteTo after the last session closed: %v, want net.ErrClosed", err)
		}
		if _, err := sa.Read(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read on a closed session: %v, want net.ErrClosed", err)
		}
		if _, err := sa.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write on a closed session: %v, want net.ErrClosed", err)
		}
		if err := sa.Close(); err != nil {
			t.Errorf("second session Close: %v", err)
		}
	})

	t.Run("Idle", func(t *testing.T) {
		l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{})
		ready := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			close(ready)
			_, err := l.Accept(context.Background())
			done <- err
		}()
		<-ready
		l.Close()
		select {
		case err := <-done:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("pending Accept: %v, want net.ErrClosed", err)
			}
		case <-time.After(wait):
			t.Fatalf("Accept still blocked %v after Close", wait)
		}
		if _, err := pc.WriteTo([]byte("x"), pc.LocalAddr()); !errors.Is(err, net.ErrClosed) {
			t.Errorf("WriteTo after Close with no session: %v, want net.ErrClosed", err)
		}
	})
}

// TestUnixDatagram proves the Listener and Conn over Unix datagram sockets:
// a client bound to a path of its own gets a session whose RemoteAddr is
// that path and whose replies reach it, datagram by datagram, and the
// client Conn's Close removes the file it bound.
func TestUnixDatagram(t *testing.T) {
	dir := t.TempDir()
	srvPath := filepath.Join(dir, "srv.sock")
	cliPath := filepath.Join(dir, "cli.sock")
	if len(cliPath) > 100 {
		t.Skipf("temporary directory %s too long for a socket path", dir)
	}
	pc, err := net.ListenPacket("unixgram", srvPath)
	if err != nil {
		t.Fatal(err)
	}
	l := dgram.Listen([]net.PacketConn{pc}, dgram.Options{})
	t.Cleanup(func() { l.Close() })

	uc, err := net.DialUnix("unixgram",
		&net.UnixAddr{Name: cliPath, Net: "unixgram"},
		&net.UnixAddr{Name: srvPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	c := dgram.NewConn(uc, cliPath)
	defer c.Close()

	send(t, c, []byte("hello"))
	send(t, c, pattern(20000, 'u'))
	s := accept(t, l)
	if got := s.RemoteAddr().String(); got != cliPath {
		t.Errorf("session RemoteAddr = %q, want %q", got, cliPath)
	}
	if got := s.LocalAddr().String(); got != srvPath {
		t.Errorf("session LocalAddr = %q, want %q", got, srvPath)
	}
	expectRead(t, s, []byte("hello"))
	expectRead(t, s, pattern(20000, 'u'))

	send(t, s, []byte("reply"))
	send(t, s, pattern(30000, 'v'))
	expectRead(t, c, []byte("reply"))
	expectRead(t, c, pattern(30000, 'v'))

	if _, err := os.Stat(cliPath); err != nil {
		t.Fatalf("client socket file: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(cliPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("client socket file after Close: %v, want it removed", err)
	}
}

// TestWriteSplits proves that a Write longer than MaxDatagram, on a client
// Conn or on a Session, goes out as consecutive datagrams of MaxDatagram
// bytes and a shorter last one, and that CloseWrite is a no-op success.
func TestWriteSplits(t *testing.T) {
	const total = 150000
	wantSizes := []int{dgram.MaxDatagram, dgram.MaxDatagram, total - 2*dgram.MaxDatagram}
	p := pattern(total, 's')

	// expectSplit reads the datagrams of p from r.
	expectSplit := func(t *testing.T, r net.Conn) {
		t.Helper()
		off := 0
		for i, want := range wantSizes {
			got := readOne(t, r)
			if len(got) != want {
				t.Fatalf("datagram %d: %d bytes, want %d", i, len(got), want)
			}
			if !bytes.Equal(got, p[off:off+want]) {
				t.Fatalf("datagram %d: wrong bytes", i)
			}
			off += want
		}
	}

	t.Run("Conn", func(t *testing.T) {
		r, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		r.SetReadBuffer(4 << 20)
		uc, err := net.DialUDP("udp4", nil, r.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		c := dgram.NewConn(uc, "")
		defer c.Close()

		send(t, c, p)
		expectSplit(t, r)
		if err := c.CloseWrite(); err != nil {
			t.Errorf("CloseWrite: %v", err)
		}
		// The socket still sends after CloseWrite.
		send(t, c, []byte("after"))
		expectRead(t, r, []byte("after"))
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})

	t.Run("Session", func(t *testing.T) {
		l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{})
		a := dialUDP(t, pc.LocalAddr())
		send(t, a, []byte("hi"))
		s := accept(t, l)
		send(t, s, p)
		expectSplit(t, a)
		if err := s.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
			t.Errorf("CloseWrite: %v", err)
		}
	})
}

// TestManyPeersEcho proves routing under concurrency (run it with -race):
// many peers talking at once each get a session of their own, served by its
// own goroutine, and every reply reaches the peer that asked, intact.
func TestManyPeersEcho(t *testing.T) {
	const peers, rounds = 50, 20
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{
		Dropped: func(from net.Addr, why string) { t.Errorf("dropped a datagram from %s: %s", from, why) },
	})

	var (
		mu       sync.Mutex
		sessions []net.Conn
		servers  sync.WaitGroup
	)
	t.Cleanup(func() { // should the test fail early
		mu.Lock()
		defer mu.Unlock()
		for _, s := range sessions {
			s.Close()
		}
	})
	servers.Add(1)
	go func() {
		defer servers.Done()
		for {
			s, err := l.Accept(context.Background())
			if err != nil {
				return
			}
			mu.Lock()
			sessions = append(sessions, s)
			mu.Unlock()
			servers.Add(1)
			go func() { // echo until closed
				defer servers.Done()
				buf := make([]byte, bigBuf)
				for {
					n, err := s.Read(buf)
					if err != nil {
						return
					}
					if _, err := s.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()

	clients := make(map[string]bool)
	var wg sync.WaitGroup
	for i := range peers {
		c := dialUDP(t, pc.LocalAddr())
		clients[c.LocalAddr().String()] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, bigBuf)
			for j := range rounds {
				msg := fmt.Appendf(nil, "peer %d datagram %d %s", i, j, bytes.Repeat([]byte{'x'}, i*j))
				if _, err := c.Write(msg); err != nil {
					t.Errorf("peer %d: Write: %v", i, err)
					return
				}
				c.SetReadDeadline(time.Now().Add(wait))
				n, err := c.Read(buf)
				if err != nil {
					t.Errorf("peer %d: Read: %v", i, err)
					return
				}
				if !bytes.Equal(buf[:n], msg) {
					t.Errorf("peer %d got %.30q, want %.30q", i, buf[:n], msg)
					return
				}
			}
		}()
	}
	wg.Wait()

	l.Close()
	mu.Lock()
	if len(sessions) != peers {
		t.Errorf("%d sessions for %d peers", len(sessions), peers)
	}
	for _, s := range sessions {
		if a := s.RemoteAddr().String(); !clients[a] {
			t.Errorf("session for %s: not a client, or its second session", a)
		} else {
			delete(clients, a) // so a second session for it shows
		}
		s.Close()
	}
	mu.Unlock()

	done := make(chan struct{})
	go func() { servers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatalf("session goroutines still running %v after Close", wait)
	}
	if _, err := pc.WriteTo([]byte("x"), pc.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("socket still open after every session closed: %v", err)
	}
}

// TestDualStackPeer: a dual-stack socket (one a service manager hands over,
// say) sees an IPv4 peer as an IPv4-mapped IPv6 address. The session must
// name it as IPv4 and answer it, from the address it sent to.
func TestDualStackPeer(t *testing.T) {
	pc, err := net.ListenPacket("udp", "[::]:0")
	if err != nil {
		t.Skipf("no dual-stack UDP socket here: %v", err)
	}
	l := dgram.Listen([]net.PacketConn{pc}, dgram.Options{})
	t.Cleanup(func() { l.Close() })
	port := pc.LocalAddr().(*net.UDPAddr).Port
	c := dialUDP(t, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	send(t, c, []byte("ping"))
	s := accept(t, l)
	if got, want := s.RemoteAddr().String(), c.LocalAddr().String(); got != want {
		t.Errorf("RemoteAddr = %s, want %s", got, want)
	}
	expectRead(t, s, []byte("ping"))
	send(t, s, []byte("pong"))
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("client read %q, %v; want %q", buf[:n], err, "pong")
	}
}
