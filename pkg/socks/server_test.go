package socks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rawExchange sends a hand-made handshake to a gcat server and returns the
// whole answer up to the server's close.
func rawExchange(t *testing.T, addr string, send string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, send); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServerRefusals checks the reply codes for what the server will not
// do, and that it says so before closing.
func TestServerRefusals(t *testing.T) {
	upper := startUpper(t, "127.0.0.1:0")
	up := targetOf(t, upper)
	port := string([]byte{byte(up.Port >> 8), byte(up.Port)})
	zero5 := "\x00\x01\x00\x00\x00\x00\x00\x00"
	tests := []struct {
		name, send, want, served string
		cfg                      ServerConfig
	}{
		{"socks5 bind", greet5 + "\x05\x02\x00\x01\x7f\x00\x00\x01" + port, "\x05\x00" + "\x05\x07" + zero5, "command 2 refused", ServerConfig{}},
		{"socks5 udp associate", greet5 + "\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00", "\x05\x00" + "\x05\x07" + zero5, "command 3 refused", ServerConfig{}},
		{"socks5 address type", greet5 + "\x05\x01\x00\x07", "\x05\x00" + "\x05\x08" + zero5, "unknown address type 7", ServerConfig{}},
		{"socks5 empty name", greet5 + "\x05\x01\x00\x03\x00" + port, "\x05\x00" + "\x05\x01" + zero5, "empty host name", ServerConfig{}},
		{"socks5 request version", greet5 + "\x04\x01\x00\x01\x7f\x00\x00\x01" + port, "\x05\x00" + "\x05\x01" + zero5, "version 4", ServerConfig{}},
		{"socks5 no methods", "\x05\x00", "\x05\xff", "none acceptable", ServerConfig{}},
		{"socks5 only userpass offered", "\x05\x01\x02", "\x05\xff", "none acceptable", ServerConfig{}},
		{"socks5 auth version", "\x05\x01\x02\x05\x01u\x01p", "\x05\x02\x01\x01", "username/password: version 5", ServerConfig{Auth: &Auth{User: "u", Password: "p"}}},
		{"socks4 bind", "\x04\x02" + port + "\x7f\x00\x00\x01\x00", "\x00\x5b" + "\x00\x00\x00\x00\x00\x00", "command 2 refused", ServerConfig{}},
		{"socks4 long user id", "\x04\x01" + port + "\x7f\x00\x00\x01" + strings.Repeat("u", 256) + "\x00", "\x00\x5b\x00\x00\x00\x00\x00\x00", "longer than 255", ServerConfig{}},
		{"socks4a empty name", "\x04\x01" + port + "\x00\x00\x00\x01\x00\x00", "\x00\x5b\x00\x00\x00\x00\x00\x00", "empty host name", ServerConfig{}},
		{"socks4 no user id", "\x04\x01" + port + "\x7f\x00\x00\x01\x00", "\x00\x5d\x00\x00\x00\x00\x00\x00", `user id "" refused`, ServerConfig{Auth: &Auth{User: "bob"}}},
		{"version 6", "\x06", "", "unsupported SOCKS version 6", ServerConfig{}},
		{"nothing", "", "", "read version: EOF", ServerConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.cfg)
			c, err := net.Dial("tcp", srv.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(wait))
			io.WriteString(c, tt.send)
			if tt.send == "" {
				c.(*net.TCPConn).CloseWrite()
			}
			got, err := io.ReadAll(c)
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
			c.Close() // the server waits for it, briefly, to drain
			if err := srv.served(t); err == nil || !strings.Contains(err.Error(), tt.served) {
				t.Errorf("Serve: %v, want an error mentioning %q", err, tt.served)
			}
		})
	}
}

// TestServerBoundAddress checks that the success reply carries the address
// the server connected from.
func TestServerBoundAddress(t *testing.T) {
	upper := startUpper(t, "127.0.0.1:0")
	up := targetOf(t, upper)
	var bound atomic.Value
	srv := startServer(t, ServerConfig{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			bound.Store(c.LocalAddr().(*net.TCPAddr).AddrPort())
		}
		return c, err
	}})
	for _, version := range []int{4, 5} {
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		var got Target
		if version == 4 {
			req, _ := appendRequest4(nil, up, "")
			c.Write(req)
			var rep [8]byte
			if _, err := io.ReadFull(c, rep[:]); err != nil {
				t.Fatal(err)
			}
			ap, err := parseReply4(rep)
			if err != nil {
				t.Fatal(err)
			}
			got = Target{IP: ap.Addr(), Port: ap.Port()}
		} else {
			c.Write(appendAddr5([]byte(greet5+"\x05\x01\x00"), up))
			if got, err = readHandshake5(c, false); err != nil {
				t.Fatal(err)
			}
		}
		if want := bound.Load(); got.String() != fmt.Sprint(want) {
			t.Errorf("socks%d reply reports %v, the server connected from %v", version, got, want)
		}
	}
}

// TestReply5For maps dial errors, as the net package returns them, to
// reply codes.
func TestReply5For(t *testing.T) {
	op := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	tests := []struct {
		err  error
		want byte
	}{
		{op(syscall.ECONNREFUSED), rep5Refused},
		{op(syscall.ENETUNREACH), rep5NetUnreachable},
		{op(syscall.EHOSTUNREACH), rep5HostUnreachable},
		{&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, rep5HostUnreachable},
		{op(syscall.ETIMEDOUT), rep5TTLExpired},
		{&net.OpError{Op: "dial", Err: context.DeadlineExceeded}, rep5TTLExpired},
		{op(syscall.EACCES), rep5NotAllowed},
		{errors.New("something else"), rep5Failure},
	}
	for _, tt := range tests {
		if got := reply5For(tt.err); got != tt.want {
			t.Errorf("reply5For(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	// A real one: a dial to a closed port.
	_, err := net.Dial("tcp", closedPort(t))
	if got := reply5For(err); got != rep5Refused {
		t.Errorf("reply5For(%v) = %d, want %d", err, got, rep5Refused)
	}
}

// TestServerDialTimeout: a dial that timed out is answered with TTL
// expired.
func TestServerDialTimeout(t *testing.T) {
	srv := startServer(t, ServerConfig{Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	}})
	got := rawExchange(t, srv.addr, greet5+request5)
	if want := "\x05\x00\x05\x06\x00\x01\x00\x00\x00\x00\x00\x00"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := srv.served(t); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Serve: %v", err)
	}
}

// TestServerHandshakeTimeout: a client that sends nothing is dropped.
func TestServerHandshakeTimeout(t *testing.T) {
	srv := startServer(t, ServerConfig{HandshakeTimeout: time.Millisecond})
	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := srv.served(t); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Serve: %v, want a timeout", err)
	}
}

// closeRecorder notes that Close was called; it keeps CloseWrite.
type closeRecorder struct {
	net.Conn
	closed atomic.Bool
}

func (c *closeRecorder) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func (c *closeRecorder) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// TestServeCloses checks that Serve closes both connections and leaves no
// goroutine, whether the relay ends on its own or by cancellation.
func TestServeCloses(t *testing.T) {
	for _, cancelled := range []bool{false, true} {
		t.Run(fmt.Sprint("cancelled=", cancelled), func(t *testing.T) {
			addr, got := startGreeter(t, "hi")
			ln := listen(t, "127.0.0.1:0")
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			sc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			client := &closeRecorder{Conn: sc}
			var target *closeRecorder
			cfg := ServerConfig{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				target = &closeRecorder{Conn: c}
				return target, nil
			}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- Serve(ctx, client, cfg) }()
			if _, err := Connect(ctx, c, 5, targetOf(t, addr), nil); err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(wait))
			if b, err := io.ReadAll(c); err != nil || string(b) != "hi" {
				t.Fatalf("read %q, %v", b, err)
			}
			if cancelled {
				cancel() // the client's direction is still open
			} else {
				c.(*net.TCPConn).CloseWrite()
			}
			var err2 error
			select {
			case err2 = <-done:
			case <-time.After(wait):
				t.Fatal("Serve did not return")
			}
			if cancelled != errors.Is(err2, context.Canceled) {
				t.Errorf("Serve: %v", err2)
			}
			if !client.closed.Load() || !target.closed.Load() {
				t.Errorf("after Serve: client closed %v, target closed %v", client.closed.Load(), target.closed.Load())
			}
			checkNoLeak(t)
			c.Close()
			<-got
		})
	}
}
