package socks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testnet"
)

// TestClientServer runs gcat's client through gcat's server, checking what
// the server was asked to dial: an address, or the name itself when the
// client left resolution to the proxy.
func TestClientServer(t *testing.T) {
	upper := startUpper(t, "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(upper)
	byName := Target{Host: "origin.test", Port: mustPort(t, port)}
	tests := []struct {
		name    string
		version int
		cfg     ServerConfig
		target  Target
		auth    *Auth
		dial    string
	}{
		{"socks4", 4, ServerConfig{}, targetOf(t, upper), nil, upper},
		{"socks4a", 4, ServerConfig{}, byName, nil, "origin.test:" + port},
		{"socks4 user id", 4, ServerConfig{Version: 4, Auth: &Auth{User: "bob"}}, targetOf(t, upper), &Auth{User: "bob", Password: "unused"}, upper},
		{"socks5", 5, ServerConfig{}, targetOf(t, upper), nil, upper},
		{"socks5 domain", 5, ServerConfig{}, byName, nil, "origin.test:" + port},
		{"socks5 auth", 5, ServerConfig{Version: 5, Auth: &Auth{User: "u", Password: "p:w"}}, byName, &Auth{User: "u", Password: "p:w"}, "origin.test:" + port},
		{"socks5 auth empty password", 5, ServerConfig{Auth: &Auth{User: "u"}}, targetOf(t, upper), &Auth{User: "u"}, upper},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.cfg)
			c, err := connectVia(t, srv.addr, tt.version, tt.target, tt.auth)
			if err != nil {
				t.Fatal(err)
			}
			if got := exchange(t, c, "hello, world\n"); got != "HELLO, WORLD\n" {
				t.Errorf("got %q through the proxy", got)
			}
			if got := srv.dialed(t); got != tt.dial {
				t.Errorf("the server dialed %q, want %q", got, tt.dial)
			}
			if err := srv.served(t); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
}

// TestClientServerIPv6 sends an IPv6 literal through SOCKS5 (ATYP 4).
func TestClientServerIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	upper := startUpper(t, "[::1]:0")
	srv := startServer(t, ServerConfig{})
	c, err := connectVia(t, srv.addr, 5, targetOf(t, upper), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := exchange(t, c, "v6"); got != "V6" {
		t.Errorf("got %q", got)
	}
	if got := srv.dialed(t); got != upper {
		t.Errorf("the server dialed %q, want %q", got, upper)
	}
	if _, err := connectVia(t, srv.addr, 4, targetOf(t, upper), nil); err == nil || !strings.Contains(err.Error(), "socks4 cannot carry IPv6") {
		t.Errorf("socks4 to an IPv6 address: %v", err)
	}
}

// TestClientServerHalfCloseReverse has the target end its direction first:
// the client reads the whole banner and EOF, then still sends, and the
// target receives all of it.
func TestClientServerHalfCloseReverse(t *testing.T) {
	for _, version := range []int{4, 5} {
		srv := startServer(t, ServerConfig{})
		addr, got := startGreeter(t, "banner\n")
		c, err := connectVia(t, srv.addr, version, targetOf(t, addr), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(wait))
		b, err := io.ReadAll(c)
		if err != nil || string(b) != "banner\n" {
			t.Fatalf("socks%d: read %q, %v", version, b, err)
		}
		late := strings.Repeat("late data ", 100000)
		if _, err := io.WriteString(c, late); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		select {
		case s := <-got:
			if s != late {
				t.Errorf("socks%d: the target got %d bytes, want %d", version, len(s), len(late))
			}
		case <-time.After(wait):
			t.Fatal("the target got nothing")
		}
		if err := srv.served(t); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
}

// TestClientServerLarge moves a few MiB each way.
func TestClientServerLarge(t *testing.T) {
	upper := startUpper(t, "127.0.0.1:0")
	srv := startServer(t, ServerConfig{})
	c, err := connectVia(t, srv.addr, 5, targetOf(t, upper), nil)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<16)
	if got := exchange(t, c, string(data)); got != string(bytes.ToUpper(data)) {
		t.Errorf("got %d bytes back, want %d", len(got), len(data))
	}
}

// TestClientServerErrors checks what the client says when gcat's server
// refuses.
func TestClientServerErrors(t *testing.T) {
	upper := startUpper(t, "127.0.0.1:0")
	closed := closedPort(t)
	auth := &Auth{User: "u", Password: "secret"}
	tests := []struct {
		name    string
		version int
		cfg     ServerConfig
		target  string
		auth    *Auth
		is      error
		text    string // after "socks5 proxy ADDR: "
		served  string // in Serve's error
	}{
		{"wrong password", 5, ServerConfig{Auth: auth}, upper, &Auth{User: "u", Password: "guess"}, ErrAuth,
			"authentication failed: the proxy refused the username and password (status 1)", `authentication failed for user "u"`},
		{"wrong user", 5, ServerConfig{Auth: auth}, upper, &Auth{User: "x", Password: "secret"}, ErrAuth,
			"authentication failed: the proxy refused the username and password (status 1)", `authentication failed for user "x"`},
		{"no credentials", 5, ServerConfig{Auth: auth}, upper, nil, ErrAuth,
			"authentication failed: the proxy requires authentication", "none acceptable"},
		{"socks4 wrong user id", 4, ServerConfig{Auth: auth}, upper, &Auth{User: "eve"}, ErrRejected,
			"request rejected: the user id does not match what identd reports (93)", `user id "eve" refused`},
		{"socks5 refused", 5, ServerConfig{}, closed, nil, ErrRejected,
			"connection refused by destination", "connection refused"},
		{"socks4 refused", 4, ServerConfig{}, closed, nil, ErrRejected,
			"request rejected or failed (91)", "connection refused"},
		{"socks5 at a socks4 server", 5, ServerConfig{Version: 4}, upper, nil, ErrAuth,
			"authentication failed: the proxy requires authentication", "speaks socks4"},
		{"socks4 at a socks5 server", 4, ServerConfig{Version: 5}, upper, nil, ErrRejected,
			"request rejected or failed (91)", "speaks socks5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.cfg)
			_, err := connectVia(t, srv.addr, tt.version, targetOf(t, tt.target), tt.auth)
			var se *Error
			if !errors.As(err, &se) || se.Version != tt.version || se.Proxy != srv.addr {
				t.Fatalf("error %v (%T), want a *socks.Error for socks%d proxy %s", err, err, tt.version, srv.addr)
			}
			errorIs(t, err, tt.is, fmt.Sprintf("socks%d proxy %s: %s", tt.version, srv.addr, tt.text))
			if err := srv.served(t); err == nil || !strings.Contains(err.Error(), tt.served) {
				t.Errorf("Serve: %v, want an error mentioning %q", err, tt.served)
			}
		})
	}
}

// TestConnectInvalid covers what Connect refuses before sending anything.
func TestConnectInvalid(t *testing.T) {
	srv := startServer(t, ServerConfig{})
	tests := []struct {
		version int
		target  Target
		auth    *Auth
		want    string
	}{
		{3, Target{Host: "x", Port: 1}, nil, "socks: unsupported version 3 (want 4 or 5)"},
		{5, Target{Port: 1}, nil, "neither an address nor a host name"},
		{5, Target{Host: "x"}, nil, "port 0"},
		{4, Target{Host: strings.Repeat("a", 256), Port: 1}, nil, "more than the 255"},
		{5, Target{Host: "a\x00b", Port: 1}, nil, "NUL"},
		{4, Target{Host: "x", Port: 1}, &Auth{User: "a\x00"}, "user id"},
		{5, Target{Host: "x", Port: 1}, &Auth{Password: "p"}, "the user must have 1 to 255 bytes"},
	}
	for _, tt := range tests {
		_, err := connectVia(t, srv.addr, tt.version, tt.target, tt.auth)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Connect(%d, %+v): %v, want %q", tt.version, tt.target, err, tt.want)
		}
	}
}

// TestConnectCancel interrupts a handshake with a proxy that never
// answers, by cancellation and by deadline.
func TestConnectCancel(t *testing.T) {
	addr := silentProxy(t)
	for _, version := range []int{4, 5} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := Connect(ctx, c, version, Target{Host: "x", Port: 1}, nil)
			errc <- err
		}()
		cancel()
		select {
		case err := <-errc:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("socks%d cancelled: %v", version, err)
			}
		case <-time.After(wait):
			t.Fatalf("socks%d: Connect ignored the cancellation", version)
		}

		c2, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		ctx, cancel = context.WithDeadline(context.Background(), time.Now())
		_, err = Connect(ctx, c2, version, Target{Host: "x", Port: 1}, nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("socks%d past deadline: %v", version, err)
		}
	}
}

// silentProxy accepts connections and reads them, never answering.
func silentProxy(t *testing.T) string {
	t.Helper()
	ln := listen(t, "127.0.0.1:0")
	testnet.Serve(t, ln, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		io.Copy(io.Discard, c)
	})
	return ln.Addr().String()
}
