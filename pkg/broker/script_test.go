package broker

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// This file runs one script of client events against a server, either
// gcat's Broker or the real ncat, and records every byte each client
// receives. The fixtures in testdata/ are ncat 7.93's recordings (go test
// -run TestNcatLive -update rewrites them); the tests compare gcat's bytes
// with them, and with a live ncat when one is installed.
//
// Each event is followed by a barrier: the client names and tokens in
// wait, each of which must arrive at that client after the previous token
// it waited for. A token proves the server has handled the event, so the
// next event reaches the server after it, as the script says, without
// sleeping.

// maxWait bounds every wait in these tests; nothing should come near it.
const maxWait = 20 * time.Second

type op int

const (
	connect  op = iota
	send        // who sends data
	local       // data is written to the server's input (ncat's stdin)
	localEOF    // the server's input ends
	hangup      // who closes its socket
	shutdown    // who half-closes: shutdown(SHUT_WR)
	joined      // the server has taken clients clients so far: a barrier for modes that echo nothing
)

type event struct {
	op      op
	who     string
	data    string
	wait    []string // client, token, client, token...; token eof waits for EOF
	clients int      // for joined
}

const eof = "\x00EOF"

func wait(pairs ...string) []string { return pairs }

// server is what a script runs against.
type server interface {
	addr() string
	input() io.WriteCloser
	waitJoined(t *testing.T, n int) // until n clients have been taken in
	stop(t *testing.T)              // ends the server; its clients then read EOF
}

// peer is one scripted client and everything it has received.
type peer struct {
	conn    *net.TCPConn
	mu      sync.Mutex
	data    []byte
	eof     bool
	changed chan struct{} // closed, and replaced, whenever data or eof changes
	seen    int           // where the next token is looked for
	done    chan struct{} // the reading goroutine has ended
}

func dialPeer(t *testing.T, addr string) *peer {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, maxWait)
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{conn: c.(*net.TCPConn), changed: make(chan struct{}), done: make(chan struct{})}
	go p.read()
	return p
}

func (p *peer) read() {
	defer close(p.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := p.conn.Read(buf)
		p.mu.Lock()
		p.data = append(p.data, buf[:n]...)
		p.eof = err != nil
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitFor waits until token (or EOF, for the eof token) arrives after the
// previous token.
func (p *peer) waitFor(t *testing.T, name, token string) {
	t.Helper()
	timeout := time.After(maxWait)
	for {
		p.mu.Lock()
		if token == eof && p.eof {
			p.mu.Unlock()
			return
		}
		if i := bytes.Index(p.data[p.seen:], []byte(token)); token != eof && i >= 0 {
			p.seen += i + len(token)
			p.mu.Unlock()
			return
		}
		gotEOF, ch, tail := p.eof, p.changed, string(p.data[p.seen:])
		p.mu.Unlock()
		if gotEOF {
			t.Fatalf("%s: EOF while waiting for %q; got %q", name, token, tail)
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("%s: no %q within %v; got %q", name, token, maxWait, tail)
		}
	}
}

func (p *peer) received() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.data)
}

// runScript plays script against srv and returns what each client received,
// up to EOF once the server has stopped.
func runScript(t *testing.T, srv server, script []event) map[string][]byte {
	t.Helper()
	peers := map[string]*peer{}
	closed := map[string]bool{}
	for i, e := range script {
		p := peers[e.who]
		var err error
		switch e.op {
		case connect:
			p = dialPeer(t, srv.addr())
			peers[e.who] = p
			t.Cleanup(func() { p.conn.Close() })
		case send:
			_, err = p.conn.Write([]byte(e.data))
		case local:
			_, err = io.WriteString(srv.input(), e.data)
			if errors.Is(err, syscall.EPIPE) {
				err = nil // --recv-only: ncat closes its stdin unread
			}
		case localEOF:
			err = srv.input().Close()
		case hangup:
			err = p.conn.Close()
			closed[e.who] = true
		case shutdown:
			err = p.conn.CloseWrite()
		case joined:
			srv.waitJoined(t, e.clients)
		}
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		for j := 0; j+1 < len(e.wait); j += 2 {
			peers[e.wait[j]].waitFor(t, fmt.Sprintf("event %d: %s", i, e.wait[j]), e.wait[j+1])
		}
	}
	srv.stop(t)
	got := map[string][]byte{}
	for name, p := range peers {
		if !closed[name] {
			p.waitFor(t, name+" after stop", eof)
		}
		got[name] = p.received()
	}
	return got
}

// formatStreams renders streams one client a line, quoted: the fixture
// format.
func formatStreams(m map[string][]byte) string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s\n", n, strconv.Quote(string(m[n])))
	}
	return b.String()
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gcatServer is the Broker behind a loopback listener, with an os.Pipe as
// its local input, as gcat's stdin would be.
type gcatServer struct {
	ln       net.Listener
	b        *Broker
	in       *os.File
	loops    sync.WaitGroup
	localErr error

	mu      sync.Mutex
	added   int           // conns given to Add
	changed chan struct{} // closed, and replaced, when added grows
}

func startGcat(t *testing.T, opt Options) *gcatServer {
	t.Helper()
	return startGcatWith(t, New(opt), nil)
}

// startGcatWith serves b, giving Add each accepted conn through wrap, if
// set.
func startGcatWith(t *testing.T, b *Broker, wrap func(net.Conn) net.Conn) *gcatServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &gcatServer{ln: ln, b: b, in: w, changed: make(chan struct{})}
	s.loops.Add(2)
	go func() {
		defer s.loops.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if wrap != nil {
				c = wrap(c)
			}
			s.b.Add(c)
			s.mu.Lock()
			s.added++
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
		}
	}()
	go func() {
		defer s.loops.Done()
		s.localErr = s.b.FromLocal(r)
		r.Close()
	}()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// waitAdded waits until n conns have been given to Add: they are members
// from then on, and get everything broadcast after.
func (s *gcatServer) waitAdded(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(maxWait)
	for {
		s.mu.Lock()
		added, ch := s.added, s.changed
		s.mu.Unlock()
		if added >= n {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("%d of %d clients added within %v", added, n, maxWait)
		}
	}
}

func (s *gcatServer) addr() string                   { return s.ln.Addr().String() }
func (s *gcatServer) input() io.WriteCloser          { return s.in }
func (s *gcatServer) waitJoined(t *testing.T, n int) { t.Helper(); s.waitAdded(t, n) }

func (s *gcatServer) stop(t *testing.T) {
	s.ln.Close()
	s.b.Close()
	s.in.Close()
	s.loops.Wait()
	if s.localErr != nil {
		t.Errorf("FromLocal: %v", s.localErr)
	}
}

// ncatServer is the real ncat, listening on 127.0.0.1 only, so that its
// first client is fd 4.
type ncatServer struct {
	cmd    *exec.Cmd
	port   string
	in     io.WriteCloser
	stdout bytes.Buffer
	once   sync.Once

	mu      sync.Mutex
	joins   int           // "Connection from" lines ncat -v has printed
	changed chan struct{} // closed, and replaced, when joins grows
}

func startNcat(t *testing.T, args ...string) *ncatServer {
	t.Helper()
	path, err := exec.LookPath("ncat")
	if err != nil {
		t.Skip("ncat is not installed: no live comparison")
	}
	var lastErr error
	for range 5 { // the port is picked before ncat binds it: another may take it
		s, err := tryNcat(path, args)
		if err == nil {
			t.Cleanup(func() { s.stop(t) })
			return s
		}
		lastErr = err
	}
	t.Fatal(lastErr)
	return nil
}

func tryNcat(path string, args []string) (*ncatServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	s := &ncatServer{port: port, changed: make(chan struct{})}
	s.cmd = exec.Command(path, append(append([]string{"-v", "-l"}, args...), "127.0.0.1", port)...)
	s.cmd.Stdout = &s.stdout
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	// ncat -v says when it is listening; read stderr until it does.
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Ncat: Listening on ") {
				ready <- nil
				s.countJoins(sc)
				return
			}
		}
		ready <- errors.New("ncat ended before listening")
	}()
	select {
	case err = <-ready:
	case <-time.After(maxWait):
		err = errors.New("ncat did not listen within " + maxWait.String())
	}
	if err != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		return nil, err
	}
	return s, nil
}

// countJoins counts the clients ncat -v reports. ncat prints the line in
// the same step that adds the client to its broadcast set, so input
// written after the line was read reaches that client.
func (s *ncatServer) countJoins(sc *bufio.Scanner) {
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Ncat: Connection from ") {
			s.mu.Lock()
			s.joins++
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
		}
	}
}

func (s *ncatServer) waitJoined(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(maxWait)
	for {
		s.mu.Lock()
		joins, ch := s.joins, s.changed
		s.mu.Unlock()
		if joins >= n {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("ncat reported %d of %d clients within %v", joins, n, maxWait)
		}
	}
}

func (s *ncatServer) addr() string          { return net.JoinHostPort("127.0.0.1", s.port) }
func (s *ncatServer) input() io.WriteCloser { return s.in }

func (s *ncatServer) stop(t *testing.T) {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		if s.stdout.Len() > 0 {
			t.Errorf("ncat wrote to its stdout: %q", s.stdout.String())
		}
	})
}
