//go:build linux

package tests

// Hostile clients: floods of connections that never finish their
// handshake must not keep legitimate clients out, and clients that reset or
// leave must not wedge a connection or hold its -m slot.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// flood opens n connections to addr that each call attack until the test
// ends; it returns once all are open.
func flood(t *testing.T, network, addr string, n int, attack func(net.Conn, <-chan struct{})) {
	t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
	})
	for i := 0; i < n; i++ {
		c, err := net.Dial(network, addr)
		if err != nil {
			t.Fatalf("attacker %d: %v", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			attack(c, stop)
		}()
	}
}

// silent connects and says nothing.
func silent(_ net.Conn, stop <-chan struct{}) { <-stop }

// trickle sends a request line one byte at a time, never finishing it.
func trickle(every time.Duration) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, stop <-chan struct{}) {
		line := "GET http://127.0.0.1/" + strings.Repeat("a", 1000)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(every):
			}
			if _, err := c.Write([]byte{line[i%len(line)]}); err != nil {
				<-stop // cut off: stay away until the test ends
				return
			}
		}
	}
}

// origin is an HTTP server behind the proxies.
func origin(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the origin\n")
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// curlThrough fetches url with curl and the proxy arguments, n times in a
// row, and fails the test unless every fetch gets the origin's answer.
func curlThrough(t *testing.T, url string, n int, proxy ...string) {
	t.Helper()
	for i := 0; i < n; i++ {
		args := append([]string{"-sS", "--max-time", "30"}, proxy...)
		out, err := exec.Command("curl", append(args, url)...).CombinedOutput()
		if err != nil || string(out) != "hello from the origin\n" {
			t.Fatalf("legitimate request %d of %d during the attack: %v: %s", i+1, n, err, out)
		}
	}
}

// TestProxyUnderAttack: while 200 clients trickle a request line a byte
// at a time (HTTP) or connect and say nothing (SOCKS5), every legitimate
// curl request is served; the unfinished ones hold no -m slot, and are
// cut off at the handshake deadline.
func TestProxyUnderAttack(t *testing.T) {
	need(t, "curl")
	url := origin(t)
	t.Run("http slowloris", func(t *testing.T) {
		srv, addr := proxyServer(t, "http", "-m", "20", "--handshake-timeout", "2s")
		flood(t, "tcp", addr, 200, trickle(500*time.Millisecond))
		curlThrough(t, url, 10, "-x", "http://"+addr)
		srv.waitLines("Failed proxy connection from", 1) // the deadline cuts the trickles off
	})
	t.Run("socks5 silent", func(t *testing.T) {
		_, addr := proxyServer(t, "socks5", "-m", "20", "--handshake-timeout", "2s")
		flood(t, "tcp", addr, 300, silent)
		curlThrough(t, url, 10, "--socks5-hostname", addr)
	})
}

// TestTLSUnderAttack: 200 connections that never send a ClientHello do not
// keep ncat's, openssl's or gcat's handshakes out.
func TestTLSUnderAttack(t *testing.T) {
	srv := gcat(t, nil, "-lkv", "--ssl", "-m", "20", "--handshake-timeout", "2s", "127.0.0.1", "0", "-e", "/bin/echo hi")
	addr := srv.listenAddr()
	host, port := hostPort(t, addr)
	flood(t, "tcp", addr, 200, silent)
	clients := [][]string{{gcatBin, "--ssl", host, port}}
	if _, err := exec.LookPath("ncat"); err == nil {
		clients = append(clients, []string{"ncat", "--ssl", host, port})
	}
	if _, err := exec.LookPath("openssl"); err == nil {
		clients = append(clients, []string{"openssl", "s_client", "-quiet", "-connect", addr})
	}
	for _, cl := range clients {
		for i := 0; i < 3; i++ {
			p := start(t, nil, cl[0], cl[1:]...)
			p.wait()
			if !strings.Contains(p.stdout.String(), "hi\n") {
				t.Fatalf("%s during the attack: %q %s", cl[0], p.stdout.String(), p.stderr.String())
			}
		}
	}
}

// TestShedOldestHandshake: past 1024 unfinished handshakes, the oldest is
// shed for a newcomer, so a legitimate client is served even when the
// deadline is long.
func TestShedOldestHandshake(t *testing.T) {
	srv := gcat(t, nil, "-lkv", "--ssl", "--handshake-timeout", "5m", "127.0.0.1", "0", "-e", "/bin/echo hi")
	addr := srv.listenAddr()
	host, port := hostPort(t, addr)
	flood(t, "tcp", addr, 1100, silent)
	srv.waitLines("Shed the unfinished SSL handshake of", 1)
	cli := gcat(t, nil, "--ssl", host, port)
	cli.mustSucceed()
	if cli.stdout.String() != "hi\n" {
		t.Fatalf("client got %q", cli.stdout.String())
	}
}

// TestDTLSUnderAttack: 200 UDP peers that send one datagram and fall
// silent do not keep a DTLS client out.
func TestDTLSUnderAttack(t *testing.T) {
	srv := gcat(t, nil, "-ulkv", "--ssl", "--handshake-timeout", "2s", "127.0.0.1", "0", "-e", "/bin/echo hi")
	addr := srv.listenAddr()
	host, port := hostPort(t, addr)
	for i := 0; i < 200; i++ {
		c, err := net.Dial("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte{22, 0xfe, 0xfd, 0, 0}) // the start of a DTLS record, then nothing
	}
	in, w := hcPipe(t)
	defer w.Close() // the client's input stays open until the reply came
	cli := hcGcat(t, in, nil, "--ssl", "-u", host, port)
	cli.waitStdoutContains("hi\n")
	w.Close()
	cli.wait()
	if cli.stdout.String() != "hi\n" {
		t.Fatalf("DTLS client during the attack: %q %s", cli.stdout.String(), cli.stderr.String())
	}
}

// TestResetMidEcho: 200 clients stream to -lk -e /bin/cat, never read, and
// reset: no child and no descriptor is left once the server has seen them
// go.
func TestResetMidEcho(t *testing.T) {
	t.Setenv("GOGC", "off") // finalizers must not close what gcat forgot
	srv := gcat(t, nil, "-lkvv", "-m", "300", "127.0.0.1", "0", "-e", "/bin/cat")
	addr := srv.listenAddr()
	pid := srv.cmd.Process.Pid
	before := openFDs(t, pid)
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			chunk := make([]byte, 64<<10)
			for j := 0; j < 16; j++ { // 1 MiB: more than the pipes and buffers hold
				c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
				if _, err := c.Write(chunk); err != nil {
					break
				}
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close() // reset
		}()
	}
	wg.Wait()
	srv.waitLines("ended.", 200)
	srv.waitUntil("every child reaped", func() bool { return len(children(pid)) == 0 })
	if n := openFDs(t, pid); n > before {
		t.Fatalf("%d descriptors before, %d after", before, n)
	}
}

// TestFloodingChildFreesItsSlot: a child that floods its output ends as
// soon as its client leaves — by SIGPIPE, at once, as ncat's does — not
// after a grace and a SIGTERM, so its -m slot is free again: clients in a
// row, each reading a little of `cat /dev/zero` and leaving, with -m 2.
func TestFloodingChildFreesItsSlot(t *testing.T) {
	srv := gcat(t, nil, "-lkvv", "-m", "2", "127.0.0.1", "0", "-c", "exec cat /dev/zero")
	addr := srv.listenAddr()
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(bound))
		if _, err := io.ReadFull(bufio.NewReader(c), make([]byte, 4096)); err != nil {
			t.Fatalf("client %d was not served: %v\nstderr: %s", i, err, srv.stderr.String())
		}
		c.Close()
		line := srv.waitStderr(regexp.MustCompile(`(child \d+ ended: .*)`))
		if !strings.HasSuffix(line, "signal: broken pipe") {
			t.Fatalf("client %d's child: %s", i, line)
		}
	}
	if strings.Contains(srv.stderr.String(), "denied") {
		t.Fatalf("clients refused:\n%s", srv.stderr.String())
	}
}
