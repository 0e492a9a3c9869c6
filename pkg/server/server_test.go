package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/neterr"
)

// bound says "hung", not "slow": no assertion depends on it being tight.
const bound = 30 * time.Second

// fakeListener hands out what the test pushes: connections or errors.
type fakeListener struct {
	next   chan accepted
	closed chan struct{}
	once   sync.Once
}

type accepted struct {
	c   net.Conn
	err error
}

func newFake() *fakeListener {
	return &fakeListener{next: make(chan accepted), closed: make(chan struct{})}
}

func (f *fakeListener) Accept(ctx context.Context) (net.Conn, error) {
	select {
	case a := <-f.next:
		return a.c, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.closed:
		return nil, net.ErrClosed
	}
}

func (f *fakeListener) Addrs() []net.Addr { return nil }
func (f *fakeListener) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

// push hands c to the server, bounded.
func (f *fakeListener) push(t *testing.T, a accepted) {
	t.Helper()
	select {
	case f.next <- a:
	case <-time.After(bound):
		t.Fatal("the server does not accept")
	}
}

// conn returns our end and the server's end of a loopback TCP connection.
func conn(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	client.SetDeadline(time.Now().Add(bound))
	return client, server
}

// recLog records the pipeline's lines. If hold is set, the writer of a
// line containing it waits, once the line is recorded, until resume is
// closed: what the pipeline has done before writing the line is then all
// that has happened.
type recLog struct {
	mu     sync.Mutex
	lines  []string
	added  chan string
	hold   string
	resume chan struct{}
}

func newRecLog() *recLog { return &recLog{added: make(chan string, 10000)} }

func (l *recLog) add(level, format string, args ...any) {
	line := level + " " + fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	l.added <- line
	if l.hold != "" && strings.Contains(line, l.hold) {
		<-l.resume
	}
}

func (l *recLog) Infof(format string, args ...any)  { l.add("info", format, args...) }
func (l *recLog) Debugf(format string, args ...any) { l.add("debug", format, args...) }
func (l *recLog) Errorf(format string, args ...any) { l.add("error", format, args...) }

// wait waits for a line containing s.
func (l *recLog) wait(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(bound)
	for {
		select {
		case line := <-l.added:
			if strings.Contains(line, s) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line with %q; lines: %q", s, l.all())
		}
	}
}

func (l *recLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *recLog) count(s string) int {
	n := 0
	for _, line := range l.all() {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// run starts Serve in the background; the returned function stops it and
// returns its error.
func run(t *testing.T, ln Listener, opt Options, h Handler) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, opt, h) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(bound):
				t.Error("Serve did not return")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// echo serves a connection by echoing it until EOF.
func echo(ctx context.Context, c net.Conn) func() error {
	return func() error {
		defer c.Close()
		_, err := io.Copy(c, c)
		return err
	}
}

// closed reports whether the server closed c without serving it.
func closed(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.Write([]byte("x"))
	n, err := c.Read(make([]byte, 1))
	return n == 0 && (err == io.EOF || errors.Is(err, syscall.ECONNRESET))
}

func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo %q, %v", got, err)
	}
}

// TestLimit: -m connections are served at once; the next is closed at once
// and logged; once one ends, there is room again — already when its
// "ended" line is out, which the log holds up to prove it.
func TestLimit(t *testing.T) {
	ln, log := newFake(), newRecLog()
	log.hold, log.resume = "ended", make(chan struct{})
	run(t, ln, Options{MaxConns: 2, Log: log}, echo)
	t.Cleanup(func() { close(log.resume) }) // before Serve is stopped
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		c, s := conn(t)
		ln.push(t, accepted{c: s})
		clients = append(clients, c)
	}
	roundTrip(t, clients[0], "a")
	roundTrip(t, clients[1], "b")
	if !closed(t, clients[2]) {
		t.Fatal("a third connection was served with -m 2")
	}
	log.wait(t, "denied: connection limit reached (2)")
	clients[0].Close()
	log.wait(t, "ended")
	c, s := conn(t)
	ln.push(t, accepted{c: s})
	roundTrip(t, c, "room again")
}

// TestAdmit: a refused peer is closed before anything is read from it.
func TestAdmit(t *testing.T) {
	ln, log := newFake(), newRecLog()
	var asked []net.Addr
	admit := func(a net.Addr) bool {
		asked = append(asked, a)
		return len(asked) > 1
	}
	run(t, ln, Options{Admit: admit, Log: log}, echo)
	c1, s1 := conn(t)
	ln.push(t, accepted{c: s1})
	if !closed(t, c1) {
		t.Fatal("a refused peer was served")
	}
	log.wait(t, "New connection from "+s1.RemoteAddr().String()+" denied: not allowed")
	c2, s2 := conn(t)
	ln.push(t, accepted{c: s2})
	roundTrip(t, c2, "admitted")
}

// slowHandshake reads until it has a newline: a proxy's request, say.
func slowHandshake(ctx context.Context, c net.Conn) (net.Conn, error) {
	b := make([]byte, 1)
	for {
		if _, err := c.Read(b); err != nil {
			return nil, err
		}
		if b[0] == '\n' {
			return c, nil
		}
	}
}

// TestHandshakeDeadline: a handshake has one deadline, however the peer
// trickles its bytes.
func TestHandshakeDeadline(t *testing.T) {
	ln, log := newFake(), newRecLog()
	timeout := 300 * time.Millisecond
	run(t, ln, Options{Handshake: slowHandshake, HandshakeName: "test", HandshakeTimeout: timeout, Log: log}, echo)
	c, s := conn(t)
	start := time.Now()
	ln.push(t, accepted{c: s})
	trickle := make(chan struct{})
	go func() {
		defer close(trickle)
		for time.Since(start) < bound {
			if _, err := c.Write([]byte("x")); err != nil {
				return // closed by the server
			}
			time.Sleep(timeout / 10) // a byte per tenth of the deadline
		}
	}()
	line := log.wait(t, "Failed test connection from")
	if !strings.HasSuffix(line, ": timed out after 300ms") {
		t.Fatalf("log %q", line)
	}
	if d := time.Since(start); d < timeout {
		t.Fatalf("ended after %v, before the deadline", d)
	}
	c.Close()
	<-trickle
}

// TestShedOldest: when the unfinished handshakes fill their bound, the
// oldest is shed, not the newcomer; connections are not counted against -m
// while they handshake.
func TestShedOldest(t *testing.T) {
	ln, log := newFake(), newRecLog()
	started := make(chan struct{}, 10)
	hs := func(ctx context.Context, c net.Conn) (net.Conn, error) {
		started <- struct{}{}
		return slowHandshake(ctx, c)
	}
	run(t, ln, Options{Handshake: hs, HandshakeName: "test", MaxHandshakes: 2, MaxConns: 1, Log: log}, echo)
	var idle []net.Conn
	for i := 0; i < 3; i++ {
		c, s := conn(t)
		ln.push(t, accepted{c: s})
		idle = append(idle, c)
		<-started // registered among the unfinished handshakes
	}
	log.wait(t, "Shed the unfinished test handshake of "+idle[0].LocalAddr().String())
	if _, err := idle[0].Read(make([]byte, 1)); err == nil {
		t.Fatal("the oldest handshake was not shed")
	}
	idle[2].Write([]byte("hello\n"))
	roundTrip(t, idle[2], "served")
	idle[1].Write([]byte("late\n")) // its handshake ends: -m 1 is taken
	if !closed(t, idle[1]) {
		t.Fatal("a second connection was served with -m 1")
	}
}

// TestAcceptErrors: running out of descriptors is logged once, backed off,
// and recovered from.
func TestAcceptErrors(t *testing.T) {
	ln, log := newFake(), newRecLog()
	run(t, ln, Options{Log: log}, echo)
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: &osSyscallError{syscall.EMFILE}}
	for i := 0; i < 5; i++ {
		ln.push(t, accepted{err: emfile})
	}
	c, s := conn(t)
	ln.push(t, accepted{c: s})
	roundTrip(t, c, "served again")
	log.wait(t, "accepting connections again")
	if n := log.count("error accept: too many open files"); n != 1 {
		t.Fatalf("%d error lines for one shortage: %q", n, log.all())
	}
}

// osSyscallError is os.SyscallError without importing os for one type.
type osSyscallError struct{ errno syscall.Errno }

func (e *osSyscallError) Error() string { return e.errno.Error() }
func (e *osSyscallError) Unwrap() error { return e.errno }

// TestAcceptFails: an accept failure that will not go away ends Serve.
func TestAcceptFails(t *testing.T) {
	ln := newFake()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, Options{}, echo) }()
	ln.push(t, accepted{err: syscall.EBADF})
	if err := <-done; !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Serve = %v", err)
	}
}

// TestOnce: the first admitted connection is the only one: the listener is
// closed, Serve returns the handler's error; a failed handshake ends it.
func TestOnce(t *testing.T) {
	ln := newFake()
	done := make(chan error, 1)
	want := errors.New("the handler's")
	go func() {
		done <- Serve(context.Background(), ln, Options{Once: true}, func(ctx context.Context, c net.Conn) func() error {
			return func() error { c.Close(); return want }
		})
	}()
	_, s := conn(t)
	ln.push(t, accepted{c: s})
	if err := <-done; err != want {
		t.Fatalf("Serve = %v", err)
	}
	select {
	case <-ln.closed:
	default:
		t.Fatal("the listener is still open")
	}

	ln = newFake()
	fail := func(ctx context.Context, c net.Conn) (net.Conn, error) { return nil, errors.New("bad hello") }
	go func() {
		done <- Serve(context.Background(), ln, Options{Once: true, Handshake: fail, HandshakeName: "SSL"}, echo)
	}()
	_, s = conn(t)
	ln.push(t, accepted{c: s})
	err := <-done
	var he *HandshakeError
	if !errors.As(err, &he) || err.Error() != "failed SSL connection from "+s.RemoteAddr().String()+": bad hello" {
		t.Fatalf("Serve = %v", err)
	}
}

// TestOrder: the handler takes connections one at a time, in order, before
// the next is accepted: a hub's client has joined once it is logged.
func TestOrder(t *testing.T) {
	ln, log := newFake(), newRecLog()
	var mu sync.Mutex
	var order []string
	run(t, ln, Options{Log: log}, func(ctx context.Context, c net.Conn) func() error {
		mu.Lock()
		order = append(order, c.RemoteAddr().String())
		mu.Unlock()
		return echo(ctx, c)
	})
	var want []string
	for i := 0; i < 5; i++ {
		_, s := conn(t)
		ln.push(t, accepted{c: s})
		want = append(want, s.RemoteAddr().String())
	}
	log.wait(t, "Connection from "+want[4])
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}

// TestShutdown: cancelling the context ends Serve once every handler has
// returned, and abandons unfinished handshakes.
func TestShutdown(t *testing.T) {
	ln := newFake()
	stop := run(t, ln, Options{Handshake: slowHandshake}, func(ctx context.Context, c net.Conn) func() error {
		return func() error { <-ctx.Done(); return nil }
	})
	_, s1 := conn(t)
	ln.push(t, accepted{c: s1})
	_, s2 := conn(t)
	ln.push(t, accepted{c: s2}) // never finishes its handshake
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve = %v", err)
	}
}

// TestRefusalsLimited: a flood of refusals is logged at most
// refusalsPerSecond times a second, then counted.
func TestRefusalsLimited(t *testing.T) {
	log := newRecLog()
	l := newLimitedLog(log)
	for i := 0; i < 100; i++ {
		l.refused("refused %d", i)
	}
	l.report()
	if n := log.count("refused "); n != refusalsPerSecond {
		t.Fatalf("%d lines", n)
	}
	if log.count(fmt.Sprintf("%d more refused, shed or failed connections", 100-refusalsPerSecond)) != 1 {
		t.Fatalf("no count: %q", log.all())
	}
}

// TestTimeoutCause: a handshake that times out says so as a
// *neterr.TimeoutError.
func TestTimeoutCause(t *testing.T) {
	ln := newFake()
	done := make(chan error, 1)
	go func() {
		done <- Serve(context.Background(), ln, Options{Once: true, Handshake: slowHandshake, HandshakeTimeout: 50 * time.Millisecond}, echo)
	}()
	_, s := conn(t)
	ln.push(t, accepted{c: s})
	var te *neterr.TimeoutError
	if err := <-done; !errors.As(err, &te) || te.After != 50*time.Millisecond {
		t.Fatalf("Serve = %v", err)
	}
}
