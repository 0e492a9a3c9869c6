package httpproxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testnet"
)

// waitLimit bounds every wait in these tests; nothing should take near it.
const waitLimit = 20 * time.Second

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serveFunc runs handle for every connection ln accepts, each in its own
// goroutine under a deadline, and joins them all at cleanup.
func serveFunc(t *testing.T, ln net.Listener, handle func(c net.Conn)) {
	t.Helper()
	testnet.Serve(t, ln, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(waitLimit))
		handle(c)
	})
}

// joined waits, bounded, for wg.
func joined(t *testing.T, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Errorf("handlers still running after %v", waitLimit)
	}
}

// startUpper starts a target that reads its input to EOF and only then
// answers with it upper-cased: a reply that exists only if the client's EOF
// got through and the way back stayed open. got receives what it read.
func startUpper(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln := listen(t)
	ch := make(chan string, 16)
	serveFunc(t, ln, func(c net.Conn) {
		b, err := io.ReadAll(c)
		if err != nil {
			ch <- "error: " + err.Error()
			return
		}
		ch <- string(b)
		c.Write(bytes.ToUpper(b))
	})
	return ln.Addr().String(), ch
}

// startBanner starts a target that speaks first, closes its write side, and
// then reads the client's input to EOF.
func startBanner(t *testing.T, banner string) (addr string, got <-chan string) {
	t.Helper()
	ln := listen(t)
	ch := make(chan string, 16)
	serveFunc(t, ln, func(c net.Conn) {
		c.Write([]byte(banner))
		c.(*net.TCPConn).CloseWrite()
		b, err := io.ReadAll(c)
		if err != nil {
			ch <- "error: " + err.Error()
			return
		}
		ch <- string(b)
	})
	return ln.Addr().String(), ch
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("nothing received within %v", waitLimit)
	}
	var zero T
	return zero
}

// proxyRun is a gcat proxy server under test.
type proxyRun struct {
	addr string

	mu      sync.Mutex
	errs    []error
	changed chan struct{} // closed, and replaced, when errs grows
	server  []net.Conn    // accepted connections, checked closed after Serve
	dialed  []net.Conn
}

// startProxy serves cfg on a loopback listener. At cleanup it checks that
// every Serve call returned, closed its connections and left no goroutine.
func startProxy(t *testing.T, cfg ServerConfig) *proxyRun {
	t.Helper()
	return startProxyOn(t, listen(t), cfg)
}

// startProxyOn is startProxy on ln.
func startProxyOn(t *testing.T, ln net.Listener, cfg ServerConfig) *proxyRun {
	t.Helper()
	p := &proxyRun{changed: make(chan struct{})}
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			p.mu.Lock()
			p.dialed = append(p.dialed, c)
			p.mu.Unlock()
		}
		return c, err
	}
	p.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.server = append(p.server, c)
			p.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := Serve(ctx, c, cfg)
				p.mu.Lock()
				p.errs = append(p.errs, err)
				close(p.changed)
				p.changed = make(chan struct{})
				p.mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		cancel()
		joined(t, &wg)
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range append(p.server, p.dialed...) {
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
				t.Errorf("connection %v left open by Serve (read: %v)", c.LocalAddr(), err)
			}
		}
		noLeaks(t)
	})
	return p
}

// errors returns what the Serve calls so far returned.
func (p *proxyRun) errors() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.errs...)
}

// noLeaks waits, bounded, until no goroutine of this package's non-test code
// or of the relay is left.
func noLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		leak := leakedStack()
		if leak == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutine left behind:\n%s", leak)
			return
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func leakedStack() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "gcat/pkg/relay.") || strings.Contains(g, "gcat/pkg/httpproxy.sendRequest") ||
			strings.Contains(g, "gcat/pkg/httpproxy.Serve") {
			return g
		}
	}
	return ""
}

// dialer returns a Client.Dial for addr.
func dialer(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

// roundTrip writes req to a fresh connection to addr, optionally closes
// its write side, and returns everything read until EOF.
func roundTrip(t *testing.T, addr, req string, closeWrite bool) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		c.(*net.TCPConn).CloseWrite()
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading reply: %v (got %q)", err, b)
	}
	return string(b)
}
