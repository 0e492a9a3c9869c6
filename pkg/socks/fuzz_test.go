package socks

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

// Each parser is fuzzed for the two properties the package relies on: it
// consumes exactly the message (no byte of what follows), and what it
// parses encodes back to the same message. The SOCKS5 client's parser is
// also checked against x/net's, byte for byte consumed.

// scriptConn is a net.Conn that reads from a script and records writes,
// to run x/net's client without a network.
type scriptConn struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (c *scriptConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *scriptConn) Write(p []byte) (int, error)      { return c.w.Write(p) }
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

func newScriptConn(b []byte) *scriptConn { return &scriptConn{r: bytes.NewReader(b)} }

// consumed is how much of total, the reader's whole input, it has read.
func consumed(r *bytes.Reader, total []byte) int { return len(total) - r.Len() }

func readerOf(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func xnetSOCKS5(auth *proxy.Auth) handshaker {
	d, _ := proxy.SOCKS5("tcp", "proxy:1080", auth, nil)
	return d.(handshaker)
}

func sameTarget(a, b Target) bool {
	return a.String() == b.String() && a.IP.IsValid() == b.IP.IsValid()
}

// appendRequest5 is a client's SOCKS5 request; x/net builds the real ones.
func appendRequest5(b []byte, cmd byte, t Target) []byte {
	return appendAddr5(append(b, version5, cmd, 0), t)
}

func FuzzServerRequest4(f *testing.F) {
	f.Add([]byte(request4[1:]))
	f.Add([]byte(request4a[1:] + "trailing"))
	f.Add([]byte("\x02\x00\x50\x7f\x00\x00\x01\x00"))
	f.Add([]byte("\x01\x00\x50\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := readerOf(data)
		req, err := readRequest4(r)
		if err != nil {
			return
		}
		n := consumed(r, data)
		want := 7 + len(req.user) + 1
		if req.target.Host != "" {
			want += len(req.target.Host) + 1
		}
		if n != want {
			t.Fatalf("consumed %d bytes of %q, the message has %d", n, data, want)
		}
		tg, err := req.target.sendable()
		if err != nil || tg.IP.Is6() {
			return // what a client does not send: port 0, IPv6, odd names
		}
		enc, err := appendRequest4(nil, req.target, req.user)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", req, err)
		}
		back, err := readRequest4(readerOf(enc[1:]))
		if err != nil || !sameTarget(back.target, tg) || back.user != req.user || back.cmd != cmdConnect {
			t.Fatalf("%+v encodes as %q, which parses as %+v, %v", req, enc, back, err)
		}
	})
}

// FuzzServerRequest5 parses a whole SOCKS5 client conversation after the
// version byte: greeting, username/password when offered, request.
func FuzzServerRequest5(f *testing.F) {
	f.Add([]byte(greet5[1:] + request5))
	f.Add([]byte(greet5Auth[1:] + "\x01\x01u\x01p" + request5H + "trailing"))
	f.Add([]byte("\x01\x00" + "\x05\x01\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x50"))
	f.Add([]byte("\x01\x00\x05\x03\x00\x07"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := readerOf(data)
		methods, err := readGreeting5(r)
		if err != nil {
			return
		}
		want := 1 + len(methods)
		if bytes.IndexByte(methods, methodUserPass) >= 0 {
			user, pass, err := readUserPass(r)
			if err != nil {
				return
			}
			want += 3 + len(user) + len(pass)
		}
		req, err := readRequest5(r)
		if err != nil {
			return
		}
		if req.target.IP.Is4() {
			want += 4 + 4 + 2
		} else if req.target.IP.Is6() {
			want += 4 + 16 + 2
		} else {
			want += 4 + 1 + len(req.target.Host) + 2
		}
		if consumed(r, data) != want {
			t.Fatalf("consumed %d bytes of %q, the messages have %d", consumed(r, data), data, want)
		}
		enc := appendRequest5(nil, req.cmd, req.target)
		back, err := readRequest5(readerOf(enc))
		if err != nil || !sameTarget(back.target, req.target) || back.cmd != req.cmd {
			t.Fatalf("%+v encodes as %q, which parses as %+v, %v", req, enc, back, err)
		}
	})
}

// FuzzXNetRequest is differential: what x/net's client sends, our server
// parses back to the same target and credentials.
func FuzzXNetRequest(f *testing.F) {
	f.Add("example.com", uint16(80), "", "", false)
	f.Add("127.0.0.1", uint16(1), "user", "pass", true)
	f.Add("::1", uint16(65535), "u", "", true)
	f.Add("::ffff:10.0.0.1", uint16(8080), "", "", false)
	f.Fuzz(func(t *testing.T, host string, port uint16, user, pass string, withAuth bool) {
		tg, err := Target{Host: host, Port: port}.sendable()
		if err != nil {
			return
		}
		var auth *proxy.Auth
		script := "\x05\x00"
		if withAuth {
			if user == "" || len(user) > maxName || len(pass) > maxName {
				return
			}
			auth, script = &proxy.Auth{User: user, Password: pass}, "\x05\x02\x01\x00"
		}
		c := newScriptConn([]byte(script + ok5))
		if _, err := xnetSOCKS5(auth).DialWithConn(context.Background(), c, "tcp", tg.String()); err != nil {
			t.Fatalf("x/net refuses %v: %v", tg, err)
		}
		sent := c.w.Bytes()
		r := readerOf(sent)
		var v [1]byte
		r.Read(v[:])
		methods, err := readGreeting5(r)
		if err != nil || v[0] != version5 || (bytes.IndexByte(methods, methodUserPass) >= 0) != withAuth {
			t.Fatalf("greeting %q: %v", sent, err)
		}
		if withAuth {
			u, p, err := readUserPass(r)
			if err != nil || u != user || p != pass {
				t.Fatalf("credentials %q parse as %q, %q, %v", sent, u, p, err)
			}
		}
		req, err := readRequest5(r)
		if err != nil || req.cmd != cmdConnect || !sameTarget(req.target, tg) || r.Len() != 0 {
			t.Fatalf("x/net sent %q for %v; we parse %+v, %v, %d bytes left", sent, tg, req, err, r.Len())
		}
	})
}

// FuzzClientReply5 is differential: our reading of a proxy's answers
// against x/net's, over the same bytes.
func FuzzClientReply5(f *testing.F) {
	f.Add([]byte("\x05\x00"+ok5+"data"), false)
	f.Add([]byte("\x05\x02\x01\x00"+ok5), true)
	f.Add([]byte("\x05\x02\x01\x01"), true)
	f.Add([]byte("\x05\x00\x05\x00\x00\x03\x04host\x00\x01"), false)
	f.Add([]byte("\x05\x00\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"), false)
	f.Add([]byte("\x05\x00\x05\x00\x00\x04"+string(make([]byte, 18))), false)
	f.Add([]byte("\x05\xff"), true)
	f.Fuzz(func(t *testing.T, data []byte, withAuth bool) {
		var auth *proxy.Auth
		if withAuth {
			auth = &proxy.Auth{User: "u", Password: "p"}
		}
		c := newScriptConn(data)
		_, xerr := xnetSOCKS5(auth).DialWithConn(context.Background(), c, "tcp", "example.com:80")
		r := readerOf(data)
		bound, perr := readHandshake5(r, withAuth)
		switch {
		case perr == nil:
			if xerr != nil {
				t.Fatalf("%q: we accept (bound %v), x/net says %v", data, bound, xerr)
			}
			if consumed(r, data) != consumed(c.r, data) {
				t.Fatalf("%q: we consumed %d bytes, x/net %d", data, consumed(r, data), consumed(c.r, data))
			}
		case xerr == nil && !errors.Is(perr, ErrProtocol):
			t.Fatalf("%q: x/net accepts, we say %v", data, perr)
		}
		if (explain5(xerr, perr) == nil) != (xerr == nil && perr == nil) {
			t.Fatalf("%q: explain5(%v, %v) = %v", data, xerr, perr, explain5(xerr, perr))
		}
		// What our server sends, our client reads back.
		if bound.IP.IsValid() {
			rep := appendReply5(nil, rep5OK, netip.AddrPortFrom(bound.IP, bound.Port))
			back, err := readReply5(readerOf(rep))
			if err != nil || !sameTarget(back, Target{IP: bound.IP.Unmap(), Port: bound.Port}) {
				t.Fatalf("reply %q for %v reads back as %v, %v", rep, bound, back, err)
			}
		}
	})
}

func FuzzClientReply4(f *testing.F) {
	f.Add([]byte(ok4))
	f.Add([]byte("\x04\x5a\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\x00\x5b\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("HTTP/1.1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 8 {
			return
		}
		b := [8]byte(data)
		ap, err := parseReply4(b)
		if err != nil {
			var re *ReplyError
			if !errors.Is(err, ErrProtocol) && !(errors.As(err, &re) && re.Code == b[1] && re.Error() != "") {
				t.Fatalf("%q: %v", data, err)
			}
			return
		}
		back, err := parseReply4([8]byte(appendReply4(nil, rep4Granted, ap)))
		if err != nil || back != ap {
			t.Fatalf("%q parses as %v, which reads back as %v, %v", data, ap, back, err)
		}
	})
}
