package socks

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// fakeProxy accepts one connection and plays script on it: a proxy that
// misbehaves in exactly the way a test needs.
func fakeProxy(t *testing.T, script func(c net.Conn) error) string {
	t.Helper()
	ln := listen(t, "127.0.0.1:0")
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		done <- script(c)
	}()
	t.Cleanup(func() {
		ln.Close()
		if err := <-done; err != nil {
			t.Errorf("fake proxy: %v", err)
		}
	})
	return ln.Addr().String()
}

// expect reads exactly len(want) bytes and checks them: the fake proxy
// reads all a client sends before it answers or closes, so that closing
// does not reset the connection under the client.
func expect(c net.Conn, want string) error {
	b := make([]byte, len(want))
	if _, err := io.ReadFull(c, b); err != nil {
		return fmt.Errorf("read %q: %w", want, err)
	}
	if string(b) != want {
		return fmt.Errorf("read %q, want %q", b, want)
	}
	return nil
}

// steps runs reads (expect) and writes in order.
type step struct{ read, write string }

func play(steps ...step) func(net.Conn) error {
	return func(c net.Conn) error {
		for _, s := range steps {
			if s.read != "" {
				if err := expect(c, s.read); err != nil {
					return err
				}
			}
			if s.write != "" {
				if _, err := io.WriteString(c, s.write); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

const (
	greet5     = "\x05\x01\x00"
	greet5Auth = "\x05\x02\x00\x02"
	request5   = "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50" // CONNECT 127.0.0.1:80
	request5H  = "\x05\x01\x00\x03\x0borigin.test\x00\x50"
	request4   = "\x04\x01\x00\x50\x7f\x00\x00\x01\x00"
	request4a  = "\x04\x01\x00\x50\x00\x00\x00\x01bob\x00origin.test\x00"
	ok5        = "\x05\x00\x00\x01\x7f\x00\x00\x01\x12\x34"
	ok4        = "\x00\x5a\x12\x34\x7f\x00\x00\x01"
)

var (
	ip80   = Target{IP: netip.MustParseAddr("127.0.0.1"), Port: 80}
	name80 = Target{Host: "origin.test", Port: 80}
)

// TestClientKeepsDataAfterReply: bytes the proxy sends in the same segment
// as its reply belong to the target's stream, and must reach the caller.
func TestClientKeepsDataAfterReply(t *testing.T) {
	tests := []struct {
		name    string
		version int
		target  Target
		auth    *Auth
		script  []step
	}{
		{"socks5", 5, ip80, nil, []step{{greet5, "\x05\x00"}, {request5, ok5 + "first bytes"}}},
		{"socks5 domain bound", 5, name80, nil, []step{{greet5, "\x05\x00"}, {request5H, "\x05\x00\x00\x03\x04host\x00\x01first bytes"}}},
		{"socks5 ipv6 bound", 5, ip80, nil, []step{{greet5, "\x05\x00"}, {request5, "\x05\x00\x00\x04" + string(make([]byte, 16)) + "\x00\x01first bytes"}}},
		// Everything after the greeting in one segment, before the
		// client has even sent its credentials.
		{"socks5 pipelined", 5, ip80, &Auth{User: "u", Password: "p"}, []step{{greet5Auth, "\x05\x02\x01\x00" + ok5 + "first bytes"}, {"\x01\x01u\x01p" + request5, ""}}},
		{"socks4", 4, ip80, nil, []step{{request4, ok4 + "first bytes"}}},
		{"socks4 reply version 4", 4, ip80, nil, []step{{request4, "\x04" + ok4[1:] + "first bytes"}}},
		{"socks4a", 4, name80, &Auth{User: "bob"}, []step{{request4a, ok4 + "first bytes"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeProxy(t, play(tt.script...))
			c, err := connectVia(t, addr, tt.version, tt.target, tt.auth)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(wait))
			b, err := io.ReadAll(c)
			if err != nil || string(b) != "first bytes" {
				t.Errorf("read %q, %v; want the bytes that followed the reply", b, err)
			}
		})
	}
}

// TestClientBadProxies covers proxies that refuse, close early or do not
// speak SOCKS.
func TestClientBadProxies(t *testing.T) {
	tests := []struct {
		name    string
		version int
		auth    *Auth
		script  []step
		is      error
		text    string
	}{
		{"socks5 closes at once", 5, nil, []step{{greet5, ""}}, ErrClosed, "closed the connection before its reply was complete"},
		{"socks5 closes after the method", 5, nil, []step{{greet5, "\x05\x00"}, {request5, ""}}, ErrClosed, ""},
		{"socks5 closes mid-reply", 5, nil, []step{{greet5, "\x05\x00"}, {request5, ok5[:6]}}, ErrClosed, ""},
		{"socks5 closes mid-auth", 5, &Auth{User: "u", Password: "p"}, []step{{greet5Auth, "\x05\x02"}, {"\x01\x01u\x01p", "\x01"}}, ErrClosed, ""},
		{"socks4 closes at once", 4, nil, []step{{request4, ""}}, ErrClosed, ""},
		{"socks4 closes mid-reply", 4, nil, []step{{request4, ok4[:3]}}, ErrClosed, ""},
		{"http proxy", 5, nil, []step{{greet5, "HTTP/1.1 400 Bad Request\r\n\r\n"}}, ErrProtocol,
			"malformed reply: version 72, want 5 (is it a SOCKS5 proxy?)"},
		{"socks4 garbage", 4, nil, []step{{request4, "HTTP/1.1"}}, ErrProtocol,
			"malformed reply: version 72, want 0 (is it a SOCKS4 proxy?)"},
		{"socks5 reply version", 5, nil, []step{{greet5, "\x05\x00"}, {request5, "\x04" + ok5[1:]}}, ErrProtocol, ""},
		{"socks5 reserved byte", 5, nil, []step{{greet5, "\x05\x00"}, {request5, "\x05\x00\x01" + ok5[3:]}}, ErrProtocol, "malformed reply: nonzero reserved byte 1"},
		{"socks5 address type", 5, nil, []step{{greet5, "\x05\x00"}, {request5, "\x05\x00\x00\x09"}}, ErrProtocol, "malformed reply: unknown address type 9"},
		{"socks5 method not offered", 5, nil, []step{{greet5, "\x05\x02"}, {request5, "\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00"}}, ErrProtocol,
			"malformed reply: the proxy chose authentication method 2, which was not offered"},
		{"socks5 gssapi", 5, &Auth{User: "u"}, []step{{greet5Auth, "\x05\x01"}}, ErrProtocol, ""},
		{"socks5 not allowed", 5, nil, []step{{greet5, "\x05\x00"}, {request5, "\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00"}}, ErrRejected, "connection not allowed by ruleset"},
		{"socks5 refusal cut short", 5, nil, []step{{greet5, "\x05\x00"}, {request5, "\x05\x04"}}, ErrRejected, "host unreachable"},
		{"socks5 unknown code", 5, nil, []step{{greet5, "\x05\x00"}, {request5, "\x05\x42\x00\x01\x00\x00\x00\x00\x00\x00"}}, ErrRejected, "request rejected with unknown code (66)"},
		{"socks5 auth status version", 5, &Auth{User: "u", Password: "p"}, []step{{greet5Auth, "\x05\x02"}, {"\x01\x01u\x01p", "\x05\x00"}}, ErrProtocol, ""},
		{"socks5 no acceptable method", 5, &Auth{User: "u", Password: "p"}, []step{{greet5Auth, "\x05\xff"}}, ErrAuth,
			"authentication failed: the proxy accepts neither no authentication nor username/password"},
		{"socks4 identd", 4, nil, []step{{request4, "\x00\x5c\x00\x00\x00\x00\x00\x00"}}, ErrRejected,
			"request rejected: the proxy cannot reach identd on the client (92)"},
		{"socks4 unknown code", 4, nil, []step{{request4, "\x00\x01\x00\x00\x00\x00\x00\x00"}}, ErrRejected, "request rejected with unknown code (1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeProxy(t, play(tt.script...))
			_, err := connectVia(t, addr, tt.version, ip80, tt.auth)
			if !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want one matching %v", err, tt.is)
			}
			if want := fmt.Sprintf("socks%d proxy %s: %s", tt.version, addr, tt.text); tt.text != "" && err.Error() != want {
				t.Errorf("error text\n got: %s\nwant: %s", err, want)
			}
		})
	}
}
