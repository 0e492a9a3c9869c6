//go:build linux

package tests

// --broker and --chat with real clients, and --chat compared byte for byte
// with ncat --chat for the same script of events.

import (
	"bufio"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// brokerClient is a raw TCP client of a broker.
type brokerClient struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialBroker(t *testing.T, addr string) *brokerClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(bound))
	return &brokerClient{t: t, c: c, r: bufio.NewReader(c)}
}

func (b *brokerClient) line() string {
	b.t.Helper()
	l, err := b.r.ReadString('\n')
	if err != nil {
		b.t.Fatalf("read: %q, %v", l, err)
	}
	return l
}

// until reads lines until one contains s, and returns all it read.
func (b *brokerClient) until(s string) string {
	b.t.Helper()
	var all strings.Builder
	for !strings.Contains(all.String(), s) {
		all.WriteString(b.line())
	}
	return all.String()
}

// TestBrokerFanOut: what a client sends reaches every other client, never
// the sender; stdin reaches all; ncat and socat as clients too.
func TestBrokerFanOut(t *testing.T) {
	in, w := hcPipe(t)
	srv := gcat(t, in, "--broker", "-v", "127.0.0.1", "0")
	addr := srv.listenAddr()
	a, b := dialBroker(t, addr), dialBroker(t, addr)
	srv.waitLines("Connection from", 2)
	var peers []*proc
	peerIn := map[string]interface{ WriteString(string) (int, error) }{}
	for _, p := range []struct {
		name string
		argv []string
	}{
		{"ncat", []string{"ncat", "127.0.0.1", strings.Split(addr, ":")[1]}},
		{"socat", []string{"socat", "-", "TCP:" + addr}},
	} {
		if !hasProg(p.argv[0]) {
			continue
		}
		r, pw := hcPipe(t)
		peers = append(peers, start(t, r, p.argv[0], p.argv[1:]...))
		peerIn[p.name] = pw
		srv.waitLines("Connection from", 1)
	}
	// Every client has joined: the sync line from a reaches them all.
	a.c.Write([]byte("sync\n"))
	if l := b.line(); l != "sync\n" {
		t.Fatalf("b got %q", l)
	}
	for _, p := range peers {
		if l := p.nextStdoutLine(); l != "sync" {
			t.Fatalf("%s got %q", p.cmd.Path, l)
		}
	}
	b.c.Write([]byte("from b\n"))
	if l := a.line(); l != "from b\n" {
		t.Fatalf("a got %q", l)
	}
	for _, p := range peers {
		if l := p.nextStdoutLine(); l != "from b" {
			t.Fatalf("%s got %q", p.cmd.Path, l)
		}
	}
	for name, pw := range peerIn {
		pw.WriteString("from " + name + "\n")
		if l := a.line(); l != "from "+name+"\n" {
			t.Fatalf("a got %q", l)
		}
		if l := b.line(); l != "from "+name+"\n" {
			t.Fatalf("b got %q", l)
		}
	}
	w.WriteString("from stdin\n")
	for _, c := range []*brokerClient{a, b} {
		if l := c.line(); l != "from stdin\n" {
			t.Fatalf("got %q", l)
		}
	}
	// Nothing was echoed: the next thing a sees is what b sends now.
	b.c.Write([]byte("last\n"))
	if l := a.line(); l != "last\n" {
		t.Fatalf("a got %q, an echo?", l)
	}
	if out := srv.stdout.String(); out != "" {
		t.Errorf("the broker wrote to stdout: %q", out)
	}
}

func hasProg(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// chatScript plays the same events on a chat server and returns what the
// first client received.
func chatScript(t *testing.T, addr string) string {
	a := dialBroker(t, addr)
	got := a.until("already connected: nobody.\n")
	b := dialBroker(t, addr)
	got += a.until("already connected: ")
	b.until("already connected: ")
	a.c.Write([]byte("hello there\n"))
	b.until("hello there\n")
	b.c.Write([]byte("ctl \x01\x1b\x7f\xff tab\t\\ cr\r\n"))
	got += a.until("cr\r\n")
	c := dialBroker(t, addr)
	got += a.until("already connected: ")
	c.until("already connected: ")
	b.c.Close()
	got += a.until("is disconnected.\n")
	c.c.Write([]byte("bye\n"))
	got += a.until("bye\n")
	return got
}

// TestChatMatchesNcat: --chat's bytes are ncat's for the same events.
func TestChatMatchesNcat(t *testing.T) {
	need(t, "ncat")
	port := freeTCPPort(t, "tcp4", "127.0.0.1")
	in, _ := hcPipe(t)
	ncat := start(t, in, "ncat", "-lv", "--chat", "127.0.0.1", port) // 7.93 needs -l
	ncatAddr := ncat.waitStderr(regexp.MustCompile(`Listening on (\S+)`))
	want := chatScript(t, ncatAddr)

	in2, _ := hcPipe(t)
	srv := gcat(t, in2, "-v", "--chat", "127.0.0.1", "0")
	got := chatScript(t, srv.listenAddr())
	if got != want {
		t.Errorf("gcat --chat:\n%q\nncat --chat:\n%q", got, want)
	}
	if !strings.Contains(want, "<user5> ctl \\001\\033") {
		t.Errorf("unexpected ncat transcript %q", want)
	}
}

// TestBrokerMaxConns: -m bounds the broker's clients.
func TestBrokerMaxConns(t *testing.T) {
	in, _ := hcPipe(t)
	srv := gcat(t, in, "--broker", "-v", "-m", "2", "127.0.0.1", "0")
	addr := srv.listenAddr()
	a, _ := dialBroker(t, addr), dialBroker(t, addr)
	srv.waitLines("Connection from", 2)
	third := dialBroker(t, addr)
	srv.waitStderr(regexp.MustCompile(`(denied: connection limit reached \(2\))`))
	if n, err := third.r.ReadByte(); err == nil {
		t.Errorf("the third client got %q", n)
	}
	a.c.Close()
}

// TestBrokerTLS: --broker --ssl, with gcat --ssl and ncat --ssl clients.
func TestBrokerTLS(t *testing.T) {
	in, _ := hcPipe(t)
	srv := gcat(t, in, "--broker", "--ssl", "-v", "127.0.0.1", "0")
	host, port := hostPort(t, srv.listenAddr())
	aIn, aW := hcPipe(t)
	a := gcat(t, aIn, "--ssl", host, port)
	bArgs := []string{gcatBin, "--ssl", host, port}
	if hasProg("ncat") {
		bArgs = []string{"ncat", "--ssl", host, port}
	}
	bIn, bW := hcPipe(t)
	b := start(t, bIn, bArgs[0], bArgs[1:]...)
	srv.waitLines("Connection from", 2)
	// A TLS client joins once its handshake is done, which nothing
	// announces: b repeats its hello until a hears one. After that both
	// have joined, and a's reply reaches b.
	heard := make(chan struct{})
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			bW.WriteString("hello from b\n")
			select {
			case <-heard:
				return
			case <-tick.C:
			}
		}
	}()
	if line := a.nextStdoutLine(); line != "hello from b" {
		t.Fatalf("a got %q", line)
	}
	close(heard)
	aW.WriteString("hello from a\n")
	if line := b.nextStdoutLine(); line != "hello from a" {
		t.Fatalf("b got %q", line)
	}
}
