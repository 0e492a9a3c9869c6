package httpproxy

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeConnectHalfClose sends the request and the first tunnel bytes in
// one segment, then EOF: the target must get all of it and its EOF, and the
// reply it sends only after that EOF must come back through the tunnel.
func TestServeConnectHalfClose(t *testing.T) {
	target, got := startUpper(t)
	p := startProxy(t, ServerConfig{})
	reply := roundTrip(t, p.addr, "CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\nhello, tunnel", true)
	if want := "HTTP/1.0 200 OK\r\n\r\nHELLO, TUNNEL"; reply != want {
		t.Errorf("client got %q, want %q", reply, want)
	}
	if s := recv(t, got); s != "hello, tunnel" {
		t.Errorf("target got %q", s)
	}
}

// TestServeConnectTargetClosesFirst has the target send and shut down its
// write side first; the client must still be able to send afterwards.
func TestServeConnectTargetClosesFirst(t *testing.T) {
	target, got := startBanner(t, "220 banner\r\n")
	p := startProxy(t, ServerConfig{})
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.0\r\n\r\n", target)
	b, err := io.ReadAll(c) // to the target's EOF, passed on
	if want := "HTTP/1.0 200 OK\r\n\r\n220 banner\r\n"; err != nil || string(b) != want {
		t.Fatalf("got %q, %v; want %q", b, err, want)
	}
	io.WriteString(c, "QUIT after your EOF\r\n")
	c.(*net.TCPConn).CloseWrite()
	if s := recv(t, got); s != "QUIT after your EOF\r\n" {
		t.Errorf("target got %q", s)
	}
}

func TestServeConnectLargeBothWays(t *testing.T) {
	target, got := startUpper(t)
	p := startProxy(t, ServerConfig{})
	payload := strings.Repeat("abcdefghij", 400_000) // 4 MB
	reply := roundTrip(t, p.addr, "CONNECT "+target+" HTTP/1.1\r\n\r\n"+payload, true)
	if want := "HTTP/1.0 200 OK\r\n\r\n" + strings.ToUpper(payload); reply != want {
		t.Errorf("reply of %d bytes, want %d", len(reply), len(want))
	}
	if s := recv(t, got); len(s) != len(payload) {
		t.Errorf("target got %d bytes", len(s))
	}
}

// TestServeReplies checks the exact answers, measured from ncat 7.93 where
// ncat has one.
func TestServeReplies(t *testing.T) {
	ln := listen(t)
	closed := ln.Addr().String()
	ln.Close() // connections to it are refused
	timeoutDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	tests := []struct {
		name string
		cfg  ServerConfig
		req  string
		want string
	}{
		{"PUT", ServerConfig{}, "PUT http://127.0.0.1:1/ HTTP/1.1\r\n\r\n",
			"HTTP/1.0 405 Method Not Allowed\r\nAllow: CONNECT, GET, HEAD, POST\r\n\r\n"},
		{"DELETE", ServerConfig{}, "DELETE http://127.0.0.1:1/ HTTP/1.1\r\n\r\n",
			"HTTP/1.0 405 Method Not Allowed\r\nAllow: CONNECT, GET, HEAD, POST\r\n\r\n"},
		{"garbage", ServerConfig{}, "garbage\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n\r\n"},
		{"origin-form GET", ServerConfig{}, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n\r\n"},
		{"ftp URI", ServerConfig{}, "GET ftp://127.0.0.1/x HTTP/1.1\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n\r\n"},
		{"CONNECT without port", ServerConfig{}, "CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n\r\n"},
		{"CONNECT to a URI", ServerConfig{}, "CONNECT http://127.0.0.1:80 HTTP/1.1\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n\r\n"},
		{"CONNECT refused", ServerConfig{}, "CONNECT " + closed + " HTTP/1.1\r\n\r\n", "HTTP/1.0 502 Bad Gateway\r\n\r\n"},
		{"GET refused", ServerConfig{}, "GET http://" + closed + "/ HTTP/1.1\r\n\r\n", "HTTP/1.0 502 Bad Gateway\r\n\r\n"},
		{"CONNECT dial timeout", ServerConfig{Dial: timeoutDial, DialTimeout: time.Millisecond},
			"CONNECT 192.0.2.1:80 HTTP/1.1\r\n\r\n", "HTTP/1.0 504 Gateway Timeout\r\n\r\n"},
		{"header too large", ServerConfig{}, "GET http://127.0.0.1:1/ HTTP/1.1\r\nX: " + strings.Repeat("a", 70<<10) + "\r\n\r\n",
			"HTTP/1.0 413 Request Entity Too Large\r\n\r\n"},
		{"request line too large", ServerConfig{MaxHeaderBytes: 1000}, "GET http://127.0.0.1:1/" + strings.Repeat("a", 2000) + " HTTP/1.1\r\n\r\n",
			"HTTP/1.0 414 Request URI Too Long\r\n\r\n"},
		{"bad chunked body", ServerConfig{}, "", ""}, // filled in below
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer origin.Close()
	tests[len(tests)-1].req = "POST " + origin.URL + "/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
	tests[len(tests)-1].want = "HTTP/1.0 400 Bad Request\r\n\r\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProxy(t, tt.cfg)
			if got := roundTrip(t, p.addr, tt.req, true); got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestServeHeaderTimeout: a client that never finishes its head gets 408.
func TestServeHeaderTimeout(t *testing.T) {
	p := startProxy(t, ServerConfig{HeaderTimeout: 10 * time.Millisecond})
	if got := roundTrip(t, p.addr, "GET http://127.0.0.1:1/ HTTP/1.1\r\n", false); got != "HTTP/1.0 408 Request Timeout\r\n\r\n" {
		t.Errorf("got %q", got)
	}
}

func TestServeCancel(t *testing.T) {
	target, _ := startUpper(t)
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, sc, ServerConfig{}) }()
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\n\r\n", target)
	c.SetDeadline(time.Now().Add(waitLimit))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "HTTP/1.0 200 OK\r\n" {
		t.Fatalf("got %q, %v", line, err)
	}
	cancel() // the tunnel is idle both ways: only the cancel can end it
	if err := recv(t, done); !errors.Is(err, context.Canceled) {
		t.Errorf("Serve returned %v", err)
	}
	if _, err := sc.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("client connection not closed: %v", err)
	}
	noLeaks(t)
}

// TestServeAuth checks 407 challenges and what is accepted against them.
func TestServeAuth(t *testing.T) {
	target, _ := startUpper(t)
	auth := &Auth{User: "u", Pass: "p"}
	p := startProxy(t, ServerConfig{Auth: auth, Realm: "test"})
	connect := func(authz string) string {
		h := ""
		if authz != "" {
			h = "Proxy-Authorization: " + authz + "\r\n"
		}
		reply := roundTrip(t, p.addr, "CONNECT "+target+" HTTP/1.1\r\n"+h+"\r\n", true)
		line, _, _ := strings.Cut(reply, "\r\n")
		return line
	}
	digest := func(alg digestAlgorithm, nonce, uri, pass string) string {
		in := digestInput{user: "u", pass: pass, realm: "test", method: "CONNECT", uri: uri,
			nonce: nonce, cnonce: "c", nc: "00000001", qop: "auth", alg: alg}
		return fmt.Sprintf(`Digest username="u", realm="test", nonce=%q, uri=%q, algorithm=%s, qop=auth, nc=00000001, cnonce="c", response=%q`,
			nonce, uri, alg.name, in.response())
	}
	md5, sha := digestAlgorithms["MD5"], digestAlgorithms["SHA-256"]
	now := makeNonce(time.Now())
	forged := strings.Split(now, "-")[0] + "-" + strings.Repeat("0", 32)
	old := makeNonce(time.Now().Add(-time.Hour))
	tests := []struct {
		name, authz, want string
	}{
		{"none", "", "HTTP/1.1 407 Proxy Authentication Required"},
		{"basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p")), "HTTP/1.0 200 OK"},
		{"basic lower-case scheme", "basic " + base64.StdEncoding.EncodeToString([]byte("u:p")), "HTTP/1.0 200 OK"},
		{"basic wrong", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:x")), "HTTP/1.1 407 Proxy Authentication Required"},
		{"basic garbage", "Basic !!!", "HTTP/1.1 407 Proxy Authentication Required"},
		{"digest md5", digest(md5, now, target, "p"), "HTTP/1.0 200 OK"},
		{"digest sha-256", digest(sha, now, target, "p"), "HTTP/1.0 200 OK"},
		{"digest wrong password", digest(md5, now, target, "x"), "HTTP/1.1 407 Proxy Authentication Required"},
		{"digest forged nonce", digest(md5, forged, target, "p"), "HTTP/1.1 407 Proxy Authentication Required"},
		{"digest other uri", digest(md5, now, "192.0.2.1:80", "p"), "HTTP/1.1 407 Proxy Authentication Required"},
		{"digest stale nonce", digest(md5, old, target, "p"), "HTTP/1.1 407 Proxy Authentication Required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := connect(tt.authz); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	reply := roundTrip(t, p.addr, "CONNECT "+target+" HTTP/1.1\r\nProxy-Authorization: "+digest(md5, old, target, "p")+"\r\n\r\n", true)
	resp, err := readResponse(bufio.NewReader(strings.NewReader(reply)), MaxHeaderBytes)
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.header.Values("Proxy-Authenticate")
	if len(ch) != 3 || ch[0] != `Basic realm="test"` || !strings.HasPrefix(ch[1], `Digest realm="test", nonce="`) ||
		!strings.HasSuffix(ch[1], `", qop="auth", stale=true, algorithm=MD5`) || !strings.HasSuffix(ch[2], "algorithm=SHA-256") {
		t.Errorf("challenges after a stale nonce: %q", ch)
	}
	var authErrs int
	for _, err := range p.errors() {
		if errors.Is(err, ErrAuthRequired) {
			authErrs++
		}
	}
	if authErrs == 0 {
		t.Errorf("no Serve call returned ErrAuthRequired: %v", p.errors())
	}
}

// TestServeClientRoundTrip runs gcat's client against gcat's server with
// credentials: a 407, a Digest SHA-256 retry, then a half-closed tunnel.
func TestServeClientRoundTrip(t *testing.T) {
	target, got := startUpper(t)
	p := startProxy(t, ServerConfig{Auth: &Auth{User: "u", Pass: "p"}})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, err := Connect(ctx, dialer(p.addr), target, &Auth{User: "u", Pass: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(waitLimit))
	io.WriteString(conn, "round trip")
	conn.(interface{ CloseWrite() error }).CloseWrite()
	b, err := io.ReadAll(conn)
	if err != nil || string(b) != "ROUND TRIP" {
		t.Errorf("got %q, %v", b, err)
	}
	if s := recv(t, got); s != "round trip" {
		t.Errorf("target got %q", s)
	}

	_, err = Connect(ctx, dialer(p.addr), target, &Auth{User: "u", Pass: "wrong"})
	want := "http proxy " + p.addr + `: 407 Proxy Authentication Required (credentials for user "u" rejected)`
	if err == nil || err.Error() != want {
		t.Errorf("wrong password: got %v, want %s", err, want)
	}
}

// origin is an HTTP server that reports what the proxy sent it.
func startOrigin(t *testing.T) (*httptest.Server, <-chan *http.Request) {
	t.Helper()
	seen := make(chan *http.Request, 16)
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		seen <- r
		w.Header().Set("X-Origin", "yes")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Write(body)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		seen <- r
		w.Write([]byte("part one,"))
		w.(http.Flusher).Flush()
		w.Write([]byte(" part two"))
	})
	mux.HandleFunc("/fixed", func(w http.ResponseWriter, r *http.Request) {
		seen <- r
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("fixed"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, seen
}

func TestServeForward(t *testing.T) {
	origin, seen := startOrigin(t)
	p := startProxy(t, ServerConfig{})
	host := strings.TrimPrefix(origin.URL, "http://")

	reply := roundTrip(t, p.addr, "POST "+origin.URL+"/echo?q=1 HTTP/1.1\r\nHost: ignored\r\nProxy-Connection: keep-alive\r\n"+
		"Proxy-Authorization: Basic eDp5\r\nConnection: X-Drop\r\nX-Drop: 1\r\nX-Keep: 2\r\nContent-Length: 5\r\n\r\nhello", false)
	r := recv(t, seen)
	body, _ := io.ReadAll(r.Body)
	if r.RequestURI != "/echo?q=1" || r.Host != host || string(body) != "hello" || r.Header.Get("X-Keep") != "2" ||
		r.Header.Get("X-Drop") != "" || r.Header.Get("Proxy-Connection") != "" || r.Header.Get("Proxy-Authorization") != "" || !r.Close {
		t.Errorf("origin got %s %s Host %s close %v header %v body %q", r.Method, r.RequestURI, r.Host, r.Close, r.Header, body)
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(reply)), nil)
	if err != nil {
		t.Fatalf("%v in %q", err, reply)
	}
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(rb) != "hello" || resp.Header.Get("X-Origin") != "yes" || resp.Header.Get("Keep-Alive") != "" ||
		resp.ContentLength != 5 || !resp.Close {
		t.Errorf("client got %q", reply)
	}

	// A chunked response goes back unchunked, ended by the close.
	reply = roundTrip(t, p.addr, "GET "+origin.URL+"/chunked HTTP/1.1\r\n\r\n", false)
	recv(t, seen)
	if !strings.HasSuffix(reply, "\r\n\r\npart one, part two") || strings.Contains(reply, "Transfer-Encoding") {
		t.Errorf("chunked: client got %q", reply)
	}

	// HEAD keeps the origin's Content-Length and sends no body.
	reply = roundTrip(t, p.addr, "HEAD "+origin.URL+"/fixed HTTP/1.0\r\n\r\n", false)
	recv(t, seen)
	if !strings.Contains(reply, "Content-Length: 5\r\n") || !strings.HasSuffix(reply, "\r\n\r\n") {
		t.Errorf("HEAD: client got %q", reply)
	}

	// A chunked request body is forwarded de-chunked, with its length and
	// its trailer field in the header (TestServeChunked has the rest).
	reply = roundTrip(t, p.addr, "POST "+origin.URL+"/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n"+
		"3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: t\r\n\r\n", false)
	r = recv(t, seen)
	body, _ = io.ReadAll(r.Body)
	if string(body) != "abcde" || r.ContentLength != 5 || len(r.TransferEncoding) != 0 || r.Header.Get("X-T") != "t" ||
		!strings.HasSuffix(reply, "\r\n\r\nabcde") {
		t.Errorf("chunked POST: origin got %q (length %d, %v, header %v), client %q", body, r.ContentLength, r.TransferEncoding, r.Header, reply)
	}
}

// TestServeForwardContinue: the client waits for 100 Continue before it
// sends its body, which works only if the request and response flow at once.
func TestServeForwardContinue(t *testing.T) {
	origin, seen := startOrigin(t)
	p := startProxy(t, ServerConfig{})
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	fmt.Fprintf(c, "POST %s/echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", origin.URL)
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("got %q, %v", line, err)
	}
	io.WriteString(c, "body")
	rest, err := io.ReadAll(br)
	if err != nil || !strings.HasSuffix(string(rest), "\r\n\r\nbody") {
		t.Errorf("got %q, %v", rest, err)
	}
	recv(t, seen)
}

// TestServe407 checks the challenge format: ncat's (HTTP/1.0, close) for
// HTTP/1.0 clients, and for HTTP/1.1 a 407 that keeps the connection for
// the answer, as curl -p expects.
func TestServe407(t *testing.T) {
	target, got := startUpper(t)
	p := startProxy(t, ServerConfig{Auth: &Auth{User: "u", Pass: "p"}})
	challenge := `Proxy-Authenticate: Basic realm="gcat"\r\n` +
		`Proxy-Authenticate: Digest realm="gcat", nonce="[0-9a-f]+-[0-9a-f]{32}", qop="auth", algorithm=MD5\r\n` +
		`Proxy-Authenticate: Digest realm="gcat", nonce="[0-9a-f]+-[0-9a-f]{32}", qop="auth", algorithm=SHA-256\r\n`

	reply := roundTrip(t, p.addr, "CONNECT "+target+" HTTP/1.0\r\n\r\n", false)
	if !regexp.MustCompile(`^HTTP/1\.0 407 Proxy Authentication Required\r\n` + challenge + `\r\n$`).MatchString(reply) {
		t.Errorf("HTTP/1.0: got %q", reply)
	}

	basic := "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("u:p")) + "\r\n"
	reply = roundTrip(t, p.addr, "CONNECT "+target+" HTTP/1.1\r\n\r\nCONNECT "+target+" HTTP/1.1\r\n"+basic+"\r\ndata", true)
	if !regexp.MustCompile(`^HTTP/1\.1 407 Proxy Authentication Required\r\n` + challenge +
		`Content-Length: 0\r\n\r\nHTTP/1\.0 200 OK\r\n\r\nDATA$`).MatchString(reply) {
		t.Errorf("HTTP/1.1: got %q", reply)
	}
	if s := recv(t, got); s != "data" {
		t.Errorf("target got %q", s)
	}

	// The rounds are bounded.
	reply = roundTrip(t, p.addr, strings.Repeat("CONNECT "+target+" HTTP/1.1\r\n\r\n", maxAuthRounds+1), true)
	if n := strings.Count(reply, " 407 "); n != maxAuthRounds || !strings.Contains(reply, "HTTP/1.0 407") {
		t.Errorf("%d 407s: %q", n, reply)
	}
}

// TestServeRawBasic: a server given --proxy-auth "a" (no colon) accepts
// Basic base64("a") and refuses base64("a:"), as ncat 7.93's does.
func TestServeRawBasic(t *testing.T) {
	target, _ := startUpper(t)
	p := startProxy(t, ServerConfig{Auth: ParseAuth("a")})
	for cred, want := range map[string]string{"a": "HTTP/1.0 200 OK", "a:": "HTTP/1.1 407 Proxy Authentication Required"} {
		authz := "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(cred)) + "\r\n"
		reply := roundTrip(t, p.addr, "CONNECT "+target+" HTTP/1.1\r\n"+authz+"\r\n", true)
		if line, _, _ := strings.Cut(reply, "\r\n"); line != want {
			t.Errorf("Basic %q: got %q, want %q", cred, line, want)
		}
	}
}
