package socks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testnet"
)

// wait bounds every wait in these tests: a hang fails instead of blocking.
const wait = 10 * time.Second

func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// testServer is a gcat SOCKS server on loopback. Its Dial records the
// address each client asked for (so a test sees where names were
// resolved) and maps the name origin.test to 127.0.0.1.
type testServer struct {
	addr  string
	errs  chan error  // each Serve's result
	dials chan string // the addresses asked for, as the server received them
}

func startServer(t *testing.T, cfg ServerConfig) *testServer {
	t.Helper()
	ln := listen(t, "127.0.0.1:0")
	s := &testServer{addr: ln.Addr().String(), errs: make(chan error, 64), dials: make(chan string, 64)}
	if cfg.Dial == nil {
		cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			s.dials <- addr
			return (&net.Dialer{}).DialContext(ctx, network, strings.Replace(addr, "origin.test:", "127.0.0.1:", 1))
		}
	}
	// Cleanups run last first: cancel, then close and join, then the
	// leak check.
	t.Cleanup(func() { checkNoLeak(t) })
	ctx, cancel := context.WithCancel(context.Background())
	testnet.Serve(t, ln, func(c net.Conn) { s.errs <- Serve(ctx, c, cfg) })
	t.Cleanup(cancel)
	return s
}

// dialed returns the next address the server was asked to connect to.
func (s *testServer) dialed(t *testing.T) string {
	t.Helper()
	select {
	case a := <-s.dials:
		return a
	case <-time.After(wait):
		t.Fatal("the server dialed nothing")
		return ""
	}
}

// served returns the next Serve result.
func (s *testServer) served(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.errs:
		return err
	case <-time.After(wait):
		t.Fatal("Serve did not return")
		return nil
	}
}

// startUpper is a target that reads its client to EOF and only then
// answers with the upper-cased input and closes: a client gets the answer
// only if its half-close went through the proxy and the answer came back
// on the direction still open.
func startUpper(t *testing.T, addr string) string {
	t.Helper()
	ln := listen(t, addr)
	testnet.Serve(t, ln, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		b, err := io.ReadAll(c)
		if err != nil {
			return
		}
		c.Write(bytes.ToUpper(b))
	})
	return ln.Addr().String()
}

// startGreeter is a target that speaks first: it sends banner, half-closes,
// and then reads its client to EOF, reporting what came.
func startGreeter(t *testing.T, banner string) (addr string, got <-chan string) {
	t.Helper()
	ln := listen(t, "127.0.0.1:0")
	ch := make(chan string, 1)
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			ch <- "accept: " + err.Error()
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		c.Write([]byte(banner))
		c.(*net.TCPConn).CloseWrite()
		b, err := io.ReadAll(c)
		if err != nil {
			ch <- "read: " + err.Error()
			return
		}
		ch <- string(b)
	}()
	return ln.Addr().String(), ch
}

// connectVia dials the proxy and runs the client handshake.
func connectVia(t *testing.T, proxyAddr string, version int, target Target, auth *Auth) (net.Conn, error) {
	t.Helper()
	c, err := net.Dial("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	conn, err := Connect(ctx, c, version, target, auth)
	if err != nil {
		c.Close() // as a caller would: the proxy waits for it
	}
	return conn, err
}

// exchange sends data, half-closes, and reads the answer to EOF.
func exchange(t *testing.T, c net.Conn, data string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, data); err != nil {
		t.Fatal(err)
	}
	if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func targetOf(t *testing.T, addr string) Target {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := Resolve(context.Background(), host, mustPort(t, port), ResolveOptions{Mode: DNSNone})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func mustPort(t *testing.T, s string) uint16 {
	t.Helper()
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		t.Fatal(err)
	}
	return uint16(p)
}

// closedPort is a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// checkNoLeak fails if a goroutine of Serve or of its relay is still
// running. A goroutine that has delivered its last result may take a
// moment to exit, so the check polls, bounded.
func checkNoLeak(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "gcat/pkg/relay.") || strings.Contains(g, "gcat/pkg/socks.Serve") ||
				strings.Contains(g, "gcat/pkg/socks.interrupt") || strings.Contains(g, "gcat/pkg/socks.negotiate") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left behind:\n%s", strings.Join(leaked, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// need skips the test when a tool it drives is not installed.
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s is not installed: this test drives it as an independent SOCKS implementation", tool)
	}
	return p
}

// errorIs fails unless err matches target and reads as want.
func errorIs(t *testing.T, err, target error, want string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v (%T), want one matching %v", err, err, target)
	}
	if want != "" && err.Error() != want {
		t.Fatalf("error text\n got: %s\nwant: %s", err, want)
	}
}
