package httpproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeLimits: an over-long Request-Line gets 414 and an over-long
// header block 413 (ncat 7.93 answers 413 to both, from about 1 KiB of
// Request-Line and 16 KiB of head), whatever the line ending.
func TestServeLimits(t *testing.T) {
	tests := []struct {
		name string
		cfg  ServerConfig
		req  string
		want string
		err  error
	}{
		{"long request line", ServerConfig{}, "GET http://127.0.0.1:1/" + strings.Repeat("a", DefaultMaxRequestLine) + " HTTP/1.1\r\n\r\n",
			"HTTP/1.0 414 Request URI Too Long\r\n\r\n", ErrRequestLineTooLong},
		{"long request line, no CRLF yet", ServerConfig{MaxRequestLine: 100}, "CONNECT " + strings.Repeat("a", 200),
			"HTTP/1.0 414 Request URI Too Long\r\n\r\n", ErrRequestLineTooLong},
		{"request line longer than the head limit", ServerConfig{MaxHeaderBytes: 1000}, "GET http://127.0.0.1:1/" + strings.Repeat("a", 2000) + " HTTP/1.1\r\n\r\n",
			"HTTP/1.0 414 Request URI Too Long\r\n\r\n", ErrRequestLineTooLong},
		{"long header block", ServerConfig{}, "GET http://127.0.0.1:1/ HTTP/1.1\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 100)+"\r\n", 1000) + "\r\n",
			"HTTP/1.0 413 Request Entity Too Large\r\n\r\n", ErrHeadTooLarge},
		{"long header line, LF only", ServerConfig{}, "GET http://127.0.0.1:1/ HTTP/1.1\nX: " + strings.Repeat("a", MaxHeaderBytes) + "\n\n",
			"HTTP/1.0 413 Request Entity Too Large\r\n\r\n", ErrHeadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProxy(t, tt.cfg)
			if got := roundTrip(t, p.addr, tt.req, false); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			p.wantErr(t, tt.err)
		})
	}
	// Just under the limit is served.
	origin, seen := startOrigin(t)
	p := startProxy(t, ServerConfig{})
	path := "/fixed?" + strings.Repeat("q", DefaultMaxRequestLine-len("GET "+origin.URL+"/fixed? HTTP/1.1\r\n"))
	if reply := roundTrip(t, p.addr, "GET "+origin.URL+path+" HTTP/1.1\r\n\r\n", true); !strings.HasSuffix(reply, "\r\n\r\nfixed") {
		t.Errorf("a Request-Line of the limit's length: %q", reply)
	}
	recv(t, seen)
}

// wantErr waits until a Serve call has returned an error wrapping want.
func (p *proxyRun) wantErr(t *testing.T, want error) {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		p.mu.Lock()
		errs, changed := append([]error(nil), p.errs...), p.changed
		p.mu.Unlock()
		for _, err := range errs {
			if errors.Is(err, want) {
				return
			}
		}
		select {
		case <-changed:
		case <-timeout:
			t.Errorf("no Serve call returned %v within %v: %v", want, waitLimit, errs)
			return
		}
	}
}

// TestServeHeaderTimeoutMidLine: the timeout answers 408 even when it
// fires in the middle of a line (net/http then sees a short line).
func TestServeHeaderTimeoutMidLine(t *testing.T) {
	p := startProxy(t, ServerConfig{HeaderTimeout: 50 * time.Millisecond})
	for _, req := range []string{"", "GET http://127.0.", "GET http://127.0.0.1:1/ HTTP/1.1", "GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0"} {
		if got := roundTrip(t, p.addr, req, false); got != "HTTP/1.0 408 Request Timeout\r\n\r\n" {
			t.Errorf("after %q: got %q", req, got)
		}
	}
	p.wantErr(t, ErrHeadTimeout)
}

// TestServeHeaderTimeoutWhole: one deadline bounds the whole request
// handshake. A client that trickles a byte at a time, after a first round
// answered with 407, is cut off at the deadline, long before its trickle
// would have ended (issue 11's slow-loris attack).
func TestServeHeaderTimeoutWhole(t *testing.T) {
	const timeout = 200 * time.Millisecond
	p := startProxy(t, ServerConfig{HeaderTimeout: timeout, Auth: &Auth{User: "u", Pass: "p"}})
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	io.WriteString(c, "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := readResponse(br, MaxHeaderBytes)
	if err != nil || resp.code != 407 {
		t.Fatalf("first round: %v, %v", resp, err)
	}
	// The trickle would last waitLimit: far longer than the deadline.
	start := time.Now()
	trickle := "CONNECT 127.0.0.1:1 HTTP/1.1\r\nX-Slow: " + strings.Repeat("z", int(waitLimit/(10*time.Millisecond)))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range len(trickle) {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if _, err := c.Write([]byte{trickle[i]}); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.0 408 Request Timeout\r\n" {
		t.Fatalf("got %q, %v after %v", line, err, time.Since(start))
	}
}

// TestServeFamily: a -4 proxy asked for an IPv6 target, or a -6 proxy
// for an IPv4 one, answers 504 as ncat 7.93 does (measured: CONNECT and
// GET alike), without connecting.
func TestServeFamily(t *testing.T) {
	up4 := listen(t)
	addr4 := up4.Addr().(*net.TCPAddr)
	serveFunc(t, up4, func(c net.Conn) { io.Copy(io.Discard, c) })
	tests := []struct {
		family int
		req    string
		want   string
	}{
		{4, "CONNECT [::1]:80 HTTP/1.1\r\n\r\n", "HTTP/1.0 504 Gateway Timeout\r\n\r\n"},
		{4, "GET http://[::1]:80/ HTTP/1.1\r\n\r\n", "HTTP/1.0 504 Gateway Timeout\r\n\r\n"},
		{6, fmt.Sprintf("CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n", addr4.Port), "HTTP/1.0 504 Gateway Timeout\r\n\r\n"},
		{6, fmt.Sprintf("GET http://127.0.0.1:%d/ HTTP/1.1\r\n\r\n", addr4.Port), "HTTP/1.0 504 Gateway Timeout\r\n\r\n"},
		{6, fmt.Sprintf("CONNECT [::ffff:127.0.0.1]:%d HTTP/1.1\r\n\r\n", addr4.Port), "HTTP/1.0 504 Gateway Timeout\r\n\r\n"},
		{4, fmt.Sprintf("CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n", addr4.Port), "HTTP/1.0 200 OK\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("-%d %s", tt.family, strings.Fields(tt.req)[1]), func(t *testing.T) {
			p := startProxy(t, ServerConfig{Family: tt.family})
			if got := roundTrip(t, p.addr, tt.req, true); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.want != "HTTP/1.0 200 OK\r\n\r\n" {
				p.wantErr(t, ErrFamily)
				if n := p.dialCount(); n != 0 {
					t.Errorf("%d connections dialed", n)
				}
			}
		})
	}
	// A name with no address of the family: 504 too.
	ips, _ := net.DefaultResolver.LookupIP(context.Background(), "ip6", "localhost")
	if len(ips) > 0 {
		t.Skip("localhost has an IPv6 address here: no IPv4-only name to try")
	}
	p := startProxy(t, ServerConfig{Family: 6})
	req := fmt.Sprintf("CONNECT localhost:%d HTTP/1.1\r\n\r\n", addr4.Port)
	if got := roundTrip(t, p.addr, req, true); got != "HTTP/1.0 504 Gateway Timeout\r\n\r\n" {
		t.Errorf("-6, IPv4-only name: got %q", got)
	}
	p.wantErr(t, ErrFamily)
}

// TestServeLoop: a request for the proxy's own address and port answers
// 403, for CONNECT and GET, by address or by a name that leads back, and
// for any local address when the proxy listens on all of them. (ncat 7.93
// connects to itself.)
func TestServeLoop(t *testing.T) {
	forbidden := "HTTP/1.0 403 Forbidden\r\n\r\n"
	t.Run("own address", func(t *testing.T) {
		p := startProxy(t, ServerConfig{})
		_, port, _ := net.SplitHostPort(p.addr)
		for _, req := range []string{
			"CONNECT " + p.addr + " HTTP/1.1\r\n\r\n",
			"GET http://" + p.addr + "/x HTTP/1.1\r\n\r\n",
			"CONNECT 127.0.0.2:" + port + " HTTP/1.1\r\n\r\n", // Self unset: all local addresses
			"CONNECT [::ffff:127.0.0.1]:" + port + " HTTP/1.1\r\n\r\n",
			"CONNECT 0.0.0.0:" + port + " HTTP/1.1\r\n\r\n",
		} {
			if got := roundTrip(t, p.addr, req, true); got != forbidden {
				t.Errorf("%q: got %q", req, got)
			}
		}
		if n := p.dialCount(); n != 0 {
			t.Errorf("%d connections dialed", n)
		}
		p.wantErr(t, ErrLoop)
	})
	t.Run("by name", func(t *testing.T) {
		p := startProxy(t, ServerConfig{})
		_, port, _ := net.SplitHostPort(p.addr)
		if got := roundTrip(t, p.addr, "CONNECT localhost:"+port+" HTTP/1.1\r\n\r\n", true); got != forbidden {
			t.Errorf("got %q", got)
		}
		p.wantErr(t, ErrLoop)
	})
	t.Run("Self", func(t *testing.T) {
		ln := listen(t)
		port := ln.Addr().(*net.TCPAddr).Port
		wildcard := &net.TCPAddr{IP: net.IPv4zero, Port: port}
		p := startProxy(t, ServerConfig{Self: []net.Addr{wildcard}})
		if got := roundTrip(t, p.addr, fmt.Sprintf("CONNECT 127.0.0.2:%d HTTP/1.1\r\n\r\n", port), true); got != forbidden {
			t.Errorf("wildcard Self: got %q", got)
		}
		// Listening on one address, the same port elsewhere is no loop
		// (nothing listens on 127.0.0.2 here: refused, 502).
		p = startProxy(t, ServerConfig{Self: []net.Addr{ln.Addr()}})
		if got := roundTrip(t, p.addr, fmt.Sprintf("CONNECT 127.0.0.2:%d HTTP/1.1\r\n\r\n", port), true); got != "HTTP/1.0 502 Bad Gateway\r\n\r\n" {
			t.Errorf("specific Self: got %q", got)
		}
	})
}

// dialCount is how many connections Serve dialed successfully.
func (p *proxyRun) dialCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.dialed)
}

// deadlineConn records the read deadlines set on it.
type deadlineConn struct {
	net.Conn
	mu        sync.Mutex
	deadlines []time.Time
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadlines = append(c.deadlines, t)
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

// TestServeOneDeadline: every request head of a connection, round after
// round of 407s, is read under the one deadline set when Serve started.
func TestServeOneDeadline(t *testing.T) {
	ln := listen(t)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	dc := &deadlineConn{Conn: sc}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		done <- Serve(context.Background(), dc, ServerConfig{HeaderTimeout: time.Hour, Auth: &Auth{User: "u", Pass: "p"}})
	}()
	c.SetDeadline(time.Now().Add(waitLimit))
	br := bufio.NewReader(c)
	for round := range 2 {
		io.WriteString(c, "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n")
		if resp, err := readResponse(br, MaxHeaderBytes); err != nil || resp.code != 407 {
			t.Fatalf("round %d: %v, %v", round, resp, err)
		}
	}
	c.Close()
	if err := recv(t, done); !errors.Is(err, ErrAuthRequired) {
		t.Fatalf("Serve: %v", err)
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	var set []time.Time
	for _, d := range dc.deadlines {
		if !d.IsZero() {
			set = append(set, d)
		}
	}
	if len(set) != 3 || set[0].Before(start.Add(time.Hour)) || !set[1].Equal(set[0]) || !set[2].Equal(set[0]) {
		t.Errorf("read deadlines for the three heads: %v (Serve started at %v)", set, start)
	}
}
