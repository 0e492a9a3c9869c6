package broker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// noDrops is a queue no test client can overflow: tests that are not about
// dropping must not depend on how fast their readers are scheduled.
const noDrops = 256 << 20

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, maxWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// readExactly reads len(want) bytes from c and compares them with want.
func readExactly(t *testing.T, name string, c net.Conn, want []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(maxWait))
	got := make([]byte, len(want))
	if n, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("%s: read %d of %d bytes: %v", name, n, len(want), err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got other bytes than were sent", name)
	}
}

// pattern is n bytes that differ from one sender (seed) to another and from
// one offset to the next, so that a lost, repeated or reordered chunk shows.
func pattern(seed byte, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i%251)
	}
	return p
}

func TestFanOut(t *testing.T) {
	srv := startGcat(t, Options{MaxQueue: noDrops})
	names := []string{"A", "B", "C"}
	conns := make([]*net.TCPConn, 3)
	for i := range conns {
		conns[i] = dial(t, srv.addr())
	}
	srv.waitAdded(t, 3)
	// Each in turn sends; the others must get every byte in order, and
	// the sender nothing: had A got its own bytes back, its next read
	// (B's message) would start with them.
	for i, sender := range conns {
		msg := pattern(byte(i*50), 1<<20)
		if _, err := sender.Write(msg); err != nil {
			t.Fatal(err)
		}
		for j, c := range conns {
			if j != i {
				readExactly(t, names[j]+" from "+names[i], c, msg)
			}
		}
	}
	if n := srv.b.Len(); n != 3 {
		t.Errorf("Len() = %d, want 3", n)
	}
}

func TestFanOutConcurrent(t *testing.T) {
	srv := startGcat(t, Options{MaxQueue: noDrops})
	const each = 4 << 20
	conns := make([]*net.TCPConn, 3)
	for i := range conns {
		conns[i] = dial(t, srv.addr())
	}
	srv.waitAdded(t, 3)
	var wg sync.WaitGroup
	counts := make([][256]int, 3)
	for i, c := range conns {
		wg.Add(2)
		go func() { // sender i sends only the byte 'a'+i
			defer wg.Done()
			c.Write(bytes.Repeat([]byte{'a' + byte(i)}, each))
		}()
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(maxWait))
			buf := make([]byte, 64<<10)
			for total := 0; total < 2*each; {
				n, err := c.Read(buf)
				for _, b := range buf[:n] {
					counts[i][b]++
				}
				total += n
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range conns {
		for j := range conns {
			want := each
			if i == j {
				want = 0
			}
			if got := counts[i]['a'+j]; got != want {
				t.Errorf("client %d got %d bytes from client %d, want %d", i, got, j, want)
			}
		}
	}
}

func TestLocalInputToAll(t *testing.T) {
	srv := startGcat(t, Options{MaxQueue: noDrops})
	conns := []*net.TCPConn{dial(t, srv.addr()), dial(t, srv.addr()), dial(t, srv.addr())}
	srv.waitAdded(t, 3)
	msg := pattern(7, 256<<10)
	go srv.in.Write(msg) // a pipe: the write ends when FromLocal has read it all
	for i, c := range conns {
		readExactly(t, fmt.Sprint("client ", i), c, msg)
	}
}

// TestLocalInputWaitsForAClient checks what ncat does with stdin typed while
// nobody is connected: it is not read then, so the next client gets it.
func TestLocalInputWaitsForAClient(t *testing.T) {
	srv := startGcat(t, Options{})
	if _, err := srv.in.Write([]byte("early\n")); err != nil {
		t.Fatal(err)
	}
	a := dial(t, srv.addr())
	readExactly(t, "A", a, []byte("early\n"))
}

// TestHalfCloseGetsWhatItWasDue checks that a client that half-closes while
// bytes are still queued for it gets them all before its conn is closed,
// as ncat's synchronous writes would have delivered them.
func TestHalfCloseGetsWhatItWasDue(t *testing.T) {
	srv := startGcat(t, Options{Chat: true, MaxQueue: noDrops})
	a := dialPeer(t, srv.addr())
	a.waitFor(t, "A", "already connected")
	s := dial(t, srv.addr()) // <user6>: reads only after its half-close
	a.waitFor(t, "A", "already connected")
	b := dialPeer(t, srv.addr())
	a.waitFor(t, "A", "already connected")
	b.waitFor(t, "B", "already connected")

	// More than the kernel buffers hold: most stays queued in the broker.
	msg := bytes.Repeat([]byte("x"), 8<<20)
	msg = append(msg, " (end)\n"...)
	if _, err := a.conn.Write(msg); err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, "B", "(end)\n") // all of it has been broadcast
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	a.waitFor(t, "A", "<announce> <user6> is disconnected.\n")

	s.SetReadDeadline(time.Now().Add(maxWait))
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	// Both were there for all of A's message: they must have got the same
	// bytes after the last announcement, B's joining.
	want := afterJoins(b.received())
	want = want[:bytes.Index(want, []byte("(end)\n"))+len("(end)\n")] // not the notice of S leaving
	if got := afterJoins(got); !bytes.Equal(got, want) {
		t.Errorf("half-closed client got %d bytes of A's message, B got %d", len(got), len(want))
	}
}

// afterJoins returns what follows the last join announcement in a chat stream.
func afterJoins(p []byte) []byte {
	i := bytes.LastIndex(p, []byte("<announce> already connected: "))
	if i < 0 {
		return p
	}
	return p[i+bytes.IndexByte(p[i:], '\n')+1:]
}

func TestChatNumbersReuseTheLowestFree(t *testing.T) {
	srv := startGcat(t, Options{Chat: true})
	peers := map[string]*peer{}
	join := func(name string, want int) {
		t.Helper()
		p := dialPeer(t, srv.addr())
		peers[name] = p
		p.waitFor(t, name, fmt.Sprintf("is connected as <user%d>.\n", want))
		p.waitFor(t, name, "already connected")
	}
	leave := func(name string, id int, witness string) {
		t.Helper()
		peers[name].conn.Close()
		peers[witness].waitFor(t, witness, fmt.Sprintf("<announce> <user%d> is disconnected.\n", id))
	}
	join("A", 5) // ncat's first client when it listens on :: and 0.0.0.0
	join("B", 6)
	join("C", 7)
	leave("B", 6, "A")
	join("D", 6)
	leave("A", 5, "C")
	join("E", 5)
	join("F", 8)
	if n := srv.b.Len(); n != 4 {
		t.Errorf("Len() = %d, want 4", n)
	}
}

// TestSlowClientDropped has one client that never reads while another
// receives: the reader must get everything, the stalled one be dropped
// (and announced in chat mode), and what it held be freed.
func TestSlowClientDropped(t *testing.T) {
	for _, chat := range []bool{false, true} {
		t.Run(fmt.Sprint("chat=", chat), func(t *testing.T) { testSlowClientDropped(t, chat) })
	}
}

func testSlowClientDropped(t *testing.T, chat bool) {
	const maxQueue = 256 << 10
	logged := make(chan string, 10)
	srv := startGcat(t, Options{Chat: chat, MaxQueue: maxQueue, Logf: func(f string, a ...any) {
		logged <- fmt.Sprintf(f, a...)
	}})
	a := dial(t, srv.addr()) // <user5>, the sender
	srv.waitAdded(t, 1)
	s := dial(t, srv.addr()) // <user6>, stalled
	s.SetReadBuffer(4096)
	srv.waitAdded(t, 2)
	b := dial(t, srv.addr()) // <user7>, reads everything
	srv.waitAdded(t, 3)

	// b counts the payload bytes ('z') it gets; anything else (chat
	// prefixes and notices) it keeps.
	bc := newCounter(b)
	// send sends one chunk once b has all the previous ones: b never
	// falls behind, so only the stalled client can be dropped.
	const chunk = 32 << 10
	sent := 0
	send := func() {
		t.Helper()
		if _, err := a.Write(bytes.Repeat([]byte("z"), chunk)); err != nil {
			t.Fatal(err)
		}
		sent += chunk
		bc.waitPayload(t, sent)
	}

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var line string
	for line == "" {
		if sent > 256<<20 {
			t.Fatalf("stalled client not dropped after %d MiB", sent>>20)
		}
		send()
		select {
		case line = <-logged:
		default:
		}
	}
	t.Logf("dropped after %d KiB: %s", sent>>10, line)
	want := s.LocalAddr().String()
	if chat {
		want += " (<user6>)"
	}
	if !strings.Contains(line, want) {
		t.Errorf("log line %q does not name %s", line, want)
	}
	// The dropped client's queue must not outlive it: whatever it pinned
	// would grow with everything broadcast since.
	for range (32 << 20) / chunk {
		send()
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Errorf("heap grew by %d KiB after 32 MiB more broadcast", grew>>10)
	}
	if n := srv.b.Len(); n != 2 {
		t.Errorf("Len() = %d, want 2", n)
	}

	// The dropped client was reset: it reads what its kernel already
	// had, a prefix of the stream, then ECONNRESET.
	s.SetReadBuffer(4 << 20)
	s.SetReadDeadline(time.Now().Add(maxWait))
	got, err := io.ReadAll(s)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("stalled client: %v after %d bytes, want ECONNRESET", err, len(got))
	}
	if !chat && (len(got) >= sent || len(bytes.Trim(got, "z")) > 0) {
		t.Errorf("stalled client got %d bytes, not a prefix of the %d sent", len(got), sent)
	}
	want = ""
	if chat {
		want = "<announce> <user6> is disconnected.\n"
	}
	notices := strings.ReplaceAll(bc.others(), "<user5> ", "")
	if !strings.HasSuffix(notices, want) || !chat && notices != "" {
		t.Errorf("the reading client got %q besides the payload, want it to end with %q", notices, want)
	}
}

// counter reads a conn, counting the payload bytes ('z') and keeping the
// others.
type counter struct {
	mu      sync.Mutex
	payload int
	other   []byte
	err     error
	changed chan struct{}
}

func newCounter(c net.Conn) *counter {
	k := &counter{changed: make(chan struct{})}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			k.mu.Lock()
			for _, b := range buf[:n] {
				if b == 'z' {
					k.payload++
				} else {
					k.other = append(k.other, b)
				}
			}
			k.err = err
			close(k.changed)
			k.changed = make(chan struct{})
			k.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return k
}

func (k *counter) waitPayload(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(maxWait)
	for {
		k.mu.Lock()
		got, err, ch := k.payload, k.err, k.changed
		k.mu.Unlock()
		if got >= n {
			return
		}
		if err != nil {
			t.Fatalf("the reading client got %d of %d bytes: %v", got, n, err)
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("the reading client got %d of %d bytes within %v", got, n, maxWait)
		}
	}
}

func (k *counter) others() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return string(k.other)
}

func TestAddAfterClose(t *testing.T) {
	b := New(Options{})
	b.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := dial(t, ln.Addr().String())
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	b.Add(sc)
	c.SetReadDeadline(time.Now().Add(maxWait))
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read after Add on a closed broker: %d, %v; want EOF", n, err)
	}
	if err := b.FromLocal(strings.NewReader("x")); err != nil {
		t.Errorf("FromLocal after Close: %v", err)
	}
}

// TestCloseLeavesNoGoroutine closes a broker with idle clients, a stalled
// one with bytes queued, a half-closed one still owed bytes, and local
// input waiting: Close must end every goroutine, the stalled ones too.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := startGcat(t, Options{Chat: true, MaxQueue: noDrops})
	a := dial(t, srv.addr())
	srv.waitAdded(t, 1)
	stalled := dial(t, srv.addr())
	srv.waitAdded(t, 2)
	leaving := dial(t, srv.addr())
	srv.waitAdded(t, 3)
	b := dialPeer(t, srv.addr())
	b.waitFor(t, "B", "already connected")

	msg := append(bytes.Repeat([]byte("x"), 8<<20), " (end)\n"...)
	if _, err := a.Write(msg); err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, "B", "(end)\n")
	leaving.CloseWrite()
	b.waitFor(t, "B", "<announce> <user7> is disconnected.\n")

	srv.stop(t)
	for _, c := range []net.Conn{a, stalled, leaving, b.conn} {
		c.Close()
	}
	<-b.done
	deadline := time.Now().Add(maxWait)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left after Close, %d before:\n%s",
				runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // goroutines that called Done are exiting
	}
}
