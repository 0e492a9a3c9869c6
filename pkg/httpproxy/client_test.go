package httpproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// fakeProxy accepts connections and hands each, with its parsed CONNECT
// request, to step(n, ...), n counting connections from 0.
func fakeProxy(t *testing.T, step func(n int, c net.Conn, req *http.Request)) string {
	t.Helper()
	ln := listen(t)
	var n atomic.Int32
	serveFunc(t, ln, func(c net.Conn) {
		i := int(n.Add(1) - 1)
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			t.Errorf("fake proxy: connection %d: %v", i, err)
			return
		}
		step(i, c, req)
	})
	return ln.Addr().String()
}

func connectTo(t *testing.T, proxy string, auth *Auth) (net.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c := &Client{Proxy: proxy, Dial: dialer(proxy), Auth: auth}
	conn, err := c.Connect(ctx, "192.0.2.1:80")
	if conn != nil {
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(waitLimit))
	}
	return conn, err
}

// TestConnectKeepsBytesAfterReply sends the reply and the target's first
// bytes in one segment: the caller must read them, and half-close must
// still work on the wrapped connection.
func TestConnectKeepsBytesAfterReply(t *testing.T) {
	got := make(chan string, 1)
	proxy := fakeProxy(t, func(_ int, c net.Conn, req *http.Request) {
		if req.Method != "CONNECT" || req.RequestURI != "192.0.2.1:80" || req.Host != "192.0.2.1:80" {
			t.Errorf("request %s %s Host %s", req.Method, req.RequestURI, req.Host)
		}
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nSSH-2.0-banner\r\n")
		b, _ := io.ReadAll(c) // the client's data, then its EOF
		got <- string(b)
		io.WriteString(c, "bye")
	})
	conn, err := connectTo(t, proxy, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := conn.(*bufferedConn); !ok {
		t.Fatalf("got %T, want the read-ahead wrapper", conn)
	}
	buf := make([]byte, len("SSH-2.0-banner\r\n"))
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "SSH-2.0-banner\r\n" {
		t.Fatalf("first bytes %q, %v", buf, err)
	}
	io.WriteString(conn, "client data")
	if err := conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if s := recv(t, got); s != "client data" {
		t.Errorf("proxy got %q", s)
	}
	if rest, err := io.ReadAll(conn); err != nil || string(rest) != "bye" {
		t.Errorf("after CloseWrite read %q, %v; want bye", rest, err)
	}
}

func TestConnectReturnsTCPConn(t *testing.T) {
	proxy := fakeProxy(t, func(_ int, c net.Conn, _ *http.Request) {
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
		io.Copy(io.Discard, c)
	})
	conn, err := connectTo(t, proxy, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := conn.(*net.TCPConn); !ok {
		t.Errorf("got %T, want *net.TCPConn (zero-copy paths)", conn)
	}
}

func TestConnectIPv6Target(t *testing.T) {
	uri := make(chan string, 1)
	proxy := fakeProxy(t, func(_ int, c net.Conn, req *http.Request) {
		uri <- req.RequestURI
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
	})
	c := &Client{Dial: dialer(proxy)}
	conn, err := c.Connect(context.Background(), "[::1]:8080")
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if u := recv(t, uri); u != "[::1]:8080" {
		t.Errorf("request target %q, want [::1]:8080", u)
	}
}

// TestConnectAuth answers a first, credential-less CONNECT with a 407 and
// checks the retry, on a new connection, against gcat's server-side check.
func TestConnectAuth(t *testing.T) {
	tests := []struct {
		name, challenge, want string
	}{
		{"basic", `Basic realm="r"`, "Basic"},
		{"digest md5 qop", `Digest realm="r", nonce="%s", qop="auth"`, "MD5"},
		{"digest md5 no qop", `Digest realm="r", nonce="%s"`, "MD5"},
		{"digest md5-sess", `Digest realm="r", nonce="%s", qop="auth,auth-int", algorithm=MD5-sess`, "MD5-sess"},
		{"digest sha-256", `Digest realm="r", nonce="%s", qop="auth", algorithm=SHA-256`, "SHA-256"},
		{"strongest wins", `Basic realm="r", Digest realm="r", nonce="%[1]s", algorithm=MD5, Digest realm="r", nonce="%[1]s", algorithm=SHA-512-256, opaque="o"`, "SHA-512-256"},
		{"unknown skipped", `Digest realm="r", nonce="x", algorithm=SHA-1024, Basic realm="r"`, "Basic"},
	}
	auth := &Auth{User: "us\"er", Pass: "p:a ss"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var used atomic.Value
			proxy := fakeProxy(t, func(n int, c net.Conn, req *http.Request) {
				if n == 0 {
					if v := req.Header.Get("Proxy-Authorization"); v != "" {
						t.Errorf("credentials sent before the proxy asked: %q", v)
					}
					fmt.Fprintf(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\nProxy-Authenticate: "+tt.challenge+"\r\nContent-Length: 0\r\n\r\n", makeNonce(time.Now()))
					return
				}
				items, _ := parseAuthItems(req.Header.Get("Proxy-Authorization"))
				if len(items) == 1 {
					used.Store(items[0].Scheme + " " + items[0].Params["algorithm"])
				}
				if checkAuth(req, auth, "r", time.Now()) != authOK {
					t.Errorf("credentials %q rejected", req.Header.Get("Proxy-Authorization"))
					io.WriteString(c, "HTTP/1.1 403 Forbidden\r\n\r\n")
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n")
			})
			if _, err := connectTo(t, proxy, auth); err != nil {
				t.Fatal(err)
			}
			if u, _ := used.Load().(string); !strings.Contains(u, tt.want) {
				t.Errorf("answered with %q, want %s", u, tt.want)
			}
		})
	}
}

func TestConnectStaleNonce(t *testing.T) {
	auth := &Auth{User: "u", Pass: "p"}
	proxy := fakeProxy(t, func(n int, c net.Conn, req *http.Request) {
		switch n {
		case 0:
			fmt.Fprintf(c, "HTTP/1.1 407 Auth\r\nProxy-Authenticate: Digest realm=\"r\", nonce=%q, qop=\"auth\"\r\n\r\n", makeNonce(time.Now().Add(-time.Hour)))
		case 1:
			if checkAuth(req, auth, "r", time.Now()) != authStale {
				t.Errorf("want a correct answer to a stale nonce")
			}
			fmt.Fprintf(c, "HTTP/1.1 407 Auth\r\nProxy-Authenticate: Digest realm=\"r\", nonce=%q, qop=\"auth\", stale=TRUE\r\n\r\n", makeNonce(time.Now()))
		default:
			if checkAuth(req, auth, "r", time.Now()) != authOK {
				t.Errorf("retry after stale rejected")
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n")
		}
	})
	if _, err := connectTo(t, proxy, auth); err != nil {
		t.Fatal(err)
	}
}

// TestConnectErrors checks that each way a proxy can fail gives one line
// that names the proxy and says what it answered.
func TestConnectErrors(t *testing.T) {
	always := func(reply string) func(int, net.Conn, *http.Request) {
		return func(_ int, c net.Conn, _ *http.Request) { io.WriteString(c, reply) }
	}
	tests := []struct {
		name string
		auth *Auth
		step func(int, net.Conn, *http.Request)
		want string
	}{
		{"407 without credentials", nil,
			always("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"r\"\r\n\r\n"),
			"407 Proxy Authentication Required"},
		{"wrong credentials", &Auth{User: "u", Pass: "wrong"},
			always("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"r\"\r\n\r\n"),
			`407 Proxy Authentication Required (credentials for user "u" rejected)`},
		{"no supported scheme", &Auth{User: "u"},
			always("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\nProxy-Authenticate: Negotiate abc==\r\n\r\n"),
			"407 Proxy Authentication Required (no supported scheme offered: NTLM, Negotiate)"},
		{"502", nil, always("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nbad"), "502 Bad Gateway"},
		{"reason with control characters", nil, always("HTTP/1.0 403 no\x1b[2Jway\r\n\r\n"), "403 no?[2Jway"},
		{"closed early", nil, always(""), "connection closed before reply"},
		{"closed in header", nil, always("HTTP/1.1 200 OK\r\nVia: x"), "connection closed in the middle of the reply header"},
		{"closed in status line", nil, always("HTTP/1.1 200"), "connection closed in the middle of the reply header"},
		{"malformed status", nil, always("SSH-2.0-OpenSSH\r\n\r\n"), `malformed status line "SSH-2.0-OpenSSH"`},
		{"huge header", nil, always("HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", MaxHeaderBytes) + "\r\n\r\n"), "reply header larger than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := fakeProxy(t, tt.step)
			_, err := connectTo(t, proxy, tt.auth)
			want := "http proxy " + proxy + ": " + tt.want
			if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got error %v\nwant %s", err, want)
			}
		})
	}
}

func TestConnectStatusError(t *testing.T) {
	proxy := fakeProxy(t, func(_ int, c net.Conn, _ *http.Request) {
		io.WriteString(c, "HTTP/1.1 403 Forbidden\r\n\r\n")
	})
	_, err := connectTo(t, proxy, nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 403 || se.Reason != "Forbidden" {
		t.Errorf("got %#v", err)
	}
}

func TestConnectDialError(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	_, err := connectTo(t, addr, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "http proxy "+addr+": dial tcp") {
		t.Errorf("got %v", err)
	}
}

// TestConnectCancel cancels the context while the proxy holds its reply.
func TestConnectCancel(t *testing.T) {
	asked := make(chan struct{})
	release := make(chan struct{})
	proxy := fakeProxy(t, func(_ int, c net.Conn, _ *http.Request) {
		close(asked)
		<-release
	})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-asked; cancel() }()
	c := &Client{Dial: dialer(proxy)}
	_, err := c.Connect(ctx, "192.0.2.1:80")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestConnectTimeout(t *testing.T) {
	release := make(chan struct{})
	proxy := fakeProxy(t, func(_ int, c net.Conn, _ *http.Request) { <-release })
	defer close(release)
	c := &Client{Proxy: "p:1", Dial: dialer(proxy), Timeout: 20 * time.Millisecond}
	_, err := c.Connect(context.Background(), "192.0.2.1:80")
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "http proxy p:1: no reply within 20ms: context deadline exceeded" {
		t.Errorf("got %v", err)
	}
}

func TestConnectBadTarget(t *testing.T) {
	for _, target := range []string{"host", "host:0", "host:http", ":80", "a b:80", "h/x:80", "host:65536"} {
		c := &Client{Proxy: "p:1", Dial: func(context.Context) (net.Conn, error) {
			t.Fatal("dialed for a bad target")
			return nil, nil
		}}
		if _, err := c.Connect(context.Background(), target); err == nil {
			t.Errorf("%q accepted", target)
		}
	}
}

func TestParseAuth(t *testing.T) {
	tests := []struct {
		in, user, pass, basic string
	}{
		{"user:pass", "user", "pass", "user:pass"},
		{"user", "user", "", "user"},
		{"user:", "user", "", "user:"},
		{"user:p:a:ss", "user", "p:a:ss", "user:p:a:ss"},
		{":pass", "", "pass", ":pass"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		a := ParseAuth(tt.in)
		if a.User != tt.user || a.Pass != tt.pass || a.basic() != tt.basic {
			t.Errorf("ParseAuth(%q) = %q, %q, Basic %q", tt.in, a.User, a.Pass, a.basic())
		}
	}
	if got := (&Auth{User: "u"}).basic(); got != "u:" {
		t.Errorf("a literal Auth's Basic credentials: %q", got)
	}
}

// captureAuth starts a proxy that answers every CONNECT with a Basic 407
// and reports each request's Proxy-Authorization line, as sent (or "" if
// there is none).
func captureAuth(t *testing.T) (addr string, lines <-chan string) {
	t.Helper()
	ln := listen(t)
	ch := make(chan string, 16)
	serveFunc(t, ln, func(c net.Conn) {
		br := bufio.NewReader(c)
		line := ""
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if l == "\r\n" {
				break
			}
			if strings.HasPrefix(strings.ToLower(l), "proxy-authorization:") {
				line = strings.TrimSuffix(l, "\r\n")
			}
		}
		ch <- line
		io.WriteString(c, "HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n")
	})
	return ln.Addr().String(), ch
}

// TestBasicLikeNcat gives ncat and gcat the same --proxy-auth strings,
// odd ones included, against a proxy that asks for Basic, and checks that
// gcat's Proxy-Authorization line is ncat's, byte for byte. (ncat 7.93
// sends "a" as base64("a") and "" as "Basic " with nothing after it.)
func TestBasicLikeNcat(t *testing.T) {
	ncat := needNcat(t)
	for _, cred := range []string{"a", "", ":a", "a:", "a:b:c", "üser:pässword"} {
		t.Run(fmt.Sprintf("%q", cred), func(t *testing.T) {
			addr, lines := captureAuth(t)
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			cmd := exec.CommandContext(ctx, ncat, "--proxy", addr, "--proxy-type", "http", "--proxy-auth", cred, "127.0.0.1", "9")
			if out, err := cmd.CombinedOutput(); !strings.Contains(string(out), "407") {
				t.Fatalf("ncat: %v, %q", err, out)
			}
			if first := recv(t, lines); first != "" {
				t.Fatalf("ncat sent credentials before the 407: %q", first)
			}
			want := recv(t, lines)

			_, err := Connect(ctx, dialer(addr), "127.0.0.1:9", ParseAuth(cred))
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 407 {
				t.Fatalf("gcat: %v", err)
			}
			if first := recv(t, lines); first != "" {
				t.Fatalf("gcat sent credentials before the 407: %q", first)
			}
			if got := recv(t, lines); got != want {
				t.Errorf("gcat sent %q, ncat %q", got, want)
			}
		})
	}
}

// TestBufferedConn runs x/net's conformance suite on the read-ahead wrapper.
func TestBufferedConn(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer ln.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := ln.Accept()
			accepted <- c
		}()
		a, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		b := <-accepted
		if b == nil {
			a.Close()
			return nil, nil, nil, errors.New("accept failed")
		}
		// The suite checks data integrity, so the wrappers start empty;
		// TestConnectKeepsBytesAfterReply covers the read-ahead bytes.
		c1, c2 = &bufferedConn{Conn: a}, &bufferedConn{Conn: b}
		return c1, c2, func() { a.Close(); b.Close() }, nil
	})
}
