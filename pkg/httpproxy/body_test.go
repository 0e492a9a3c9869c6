package httpproxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startRawOrigin starts an origin server as simple as an HTTP/1.0 one:
// it knows no chunked coding, reads a body of Content-Length bytes only,
// and reports the request exactly as it came. It answers "ok".
func startRawOrigin(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln := listen(t)
	ch := make(chan string, 16)
	serveFunc(t, ln, func(c net.Conn) {
		br := bufio.NewReader(c)
		var head strings.Builder
		length := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				ch <- "error: " + err.Error()
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(strings.ToLower(line), "content-length:"); ok {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(br, body); err != nil {
			ch <- "error: " + err.Error()
			return
		}
		ch <- head.String() + string(body)
		io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	return ln.Addr().String(), ch
}

// TestServeChunked: a chunked request body reaches an origin that knows
// only Content-Length whole, de-chunked with its length, or is refused
// before any connection to the origin; never passed on half understood.
// (ncat 7.93 answers 400 to chunked, but passes on a request with both
// Transfer-Encoding and Content-Length framed by the latter.)
func TestServeChunked(t *testing.T) {
	origin, got := startRawOrigin(t)
	post := "POST http://" + origin + "/x HTTP/1.1\r\nHost: h\r\n"
	ok := "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
	tests := []struct {
		name   string
		cfg    ServerConfig
		req    string
		reply  string
		origin string // what the origin got; "" if it must not be dialed
	}{
		{"chunked", ServerConfig{}, post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", ok,
			"POST /x HTTP/1.1\r\nHost: " + origin + "\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world"},
		{"chunked and Content-Length", ServerConfig{}, post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", ok,
			"POST /x HTTP/1.1\r\nHost: " + origin + "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"},
		{"empty chunked", ServerConfig{}, post + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ok,
			"POST /x HTTP/1.1\r\nHost: " + origin + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
		{"trailer", ServerConfig{}, post + "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 1\r\nContent-Length: 9\r\n\r\n", ok,
			"POST /x HTTP/1.1\r\nHost: " + origin + "\r\nX-Sum: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"},
		{"too large", ServerConfig{MaxChunkedBody: 4}, post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			"HTTP/1.0 413 Request Entity Too Large\r\n\r\n", ""},
		{"refused", ServerConfig{MaxChunkedBody: -1}, post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			"HTTP/1.0 411 Length Required\r\n\r\n", ""},
		{"malformed", ServerConfig{}, post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
			"HTTP/1.0 400 Bad Request\r\n\r\n", ""},
		{"cut short", ServerConfig{}, post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhel",
			"HTTP/1.0 400 Bad Request\r\n\r\n", ""},
		{"HTTP/1.0", ServerConfig{}, "POST http://" + origin + "/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			"HTTP/1.0 400 Bad Request\r\n\r\n", ""},
		{"gzip", ServerConfig{}, post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
			"HTTP/1.0 400 Bad Request\r\n\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProxy(t, tt.cfg)
			if reply := roundTrip(t, p.addr, tt.req, true); reply != tt.reply {
				t.Errorf("client got %q\nwant %q", reply, tt.reply)
			}
			if tt.origin == "" {
				if n := p.dialCount(); n != 0 {
					t.Errorf("%d connections dialed", n)
				}
				return
			}
			if o := recv(t, got); o != tt.origin {
				t.Errorf("origin got %q\nwant %q", o, tt.origin)
			}
		})
	}
}

// TestServeChunkedContinue: a client that waits for 100 Continue before
// its chunked body gets it from the proxy, which reads the body and
// forwards it without the Expect.
func TestServeChunkedContinue(t *testing.T) {
	origin, got := startRawOrigin(t)
	p := startProxy(t, ServerConfig{})
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	fmt.Fprintf(c, "POST http://%s/up HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", origin)
	br := bufio.NewReader(c)
	if line, err := br.ReadString('\n'); err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("got %q, %v", line, err)
	}
	io.WriteString(c, "4\r\nbody\r\n0\r\n\r\n")
	rest, err := io.ReadAll(br)
	if err != nil || !strings.HasSuffix(string(rest), "\r\n\r\nok") {
		t.Errorf("got %q, %v", rest, err)
	}
	if o := recv(t, got); o != "POST /up HTTP/1.1\r\nHost: "+origin+"\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody" {
		t.Errorf("origin got %q", o)
	}
}

// TestCurlChunkedUpload: curl's chunked upload (of stdin, with Expect:
// 100-continue) reaches an origin that knows only Content-Length.
func TestCurlChunkedUpload(t *testing.T) {
	origin, got := startRawOrigin(t)
	p := startProxy(t, ServerConfig{})
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	body := strings.Repeat("chunk of stdin ", 10_000)
	cmd := exec.CommandContext(ctx, path, "-sS", "--noproxy", "", "--proxy", "http://"+p.addr,
		"-H", "Transfer-Encoding: chunked", "-H", "Expect: 100-continue", "--data-binary", "@-", "http://"+origin+"/up")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "ok" {
		t.Fatalf("curl: %v, %q", err, out)
	}
	o := recv(t, got)
	want := fmt.Sprintf("Content-Length: %d\r\n", len(body))
	if !strings.Contains(o, want) || strings.Contains(strings.ToLower(o), "transfer-encoding") || !strings.HasSuffix(o, "\r\n\r\n"+body) {
		t.Errorf("origin got a head of %q and %d bytes in all", o[:strings.Index(o, "\r\n\r\n")], len(o))
	}
}

// TestNcatClientHalfCloses drives gcat's proxy with ncat as the client,
// which sends a request and half-closes at once, as
// "printf 'POST http://h:p/ ...' | ncat proxy 3128" does: an absolute URI
// with a path and query, a POST with a body, a POST with Content-Length: 0,
// a CONNECT with the tunnel's first bytes in the same write, and an IPv6
// client asking for an IPv4 target.
func TestNcatClientHalfCloses(t *testing.T) {
	ncat := needNcat(t)
	origin, got := startRawOrigin(t)
	upper, upperGot := startUpper(t)
	v4 := startProxy(t, ServerConfig{})
	ln6, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	t.Cleanup(func() { ln6.Close() })
	v6 := startProxyOn(t, ln6, ServerConfig{})
	ok := "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
	tests := []struct {
		name   string
		proxy  *proxyRun
		req    string
		reply  string
		origin string
	}{
		{"GET with a path", v4, "GET http://" + origin + "/a/b?c=d HTTP/1.0\r\n\r\n", ok,
			"GET /a/b?c=d HTTP/1.1\r\nHost: " + origin + "\r\nConnection: close\r\n\r\n"},
		{"POST with a body", v4, "POST http://" + origin + "/p HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", ok,
			"POST /p HTTP/1.1\r\nHost: " + origin + "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"},
		{"POST, Content-Length: 0", v4, "POST http://" + origin + "/p HTTP/1.0\r\nContent-Length: 0\r\n\r\n", ok,
			"POST /p HTTP/1.1\r\nHost: " + origin + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
		{"IPv6 client, IPv4 target", v6, "GET http://" + origin + "/six HTTP/1.0\r\n\r\n", ok,
			"GET /six HTTP/1.1\r\nHost: " + origin + "\r\nConnection: close\r\n\r\n"},
	}
	run := func(t *testing.T, proxy, stdin string) string {
		t.Helper()
		host, port, _ := net.SplitHostPort(proxy)
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		cmd := exec.CommandContext(ctx, ncat, host, port)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("ncat: %v", err)
		}
		return string(out)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if reply := run(t, tt.proxy.addr, tt.req); reply != tt.reply {
				t.Errorf("client got %q", reply)
			}
			if o := recv(t, got); o != tt.origin {
				t.Errorf("origin got %q\nwant %q", o, tt.origin)
			}
		})
	}
	t.Run("CONNECT with data", func(t *testing.T) {
		reply := run(t, v4.addr, "CONNECT "+upper+" HTTP/1.0\r\n\r\nin the same write")
		if reply != "HTTP/1.0 200 OK\r\n\r\nIN THE SAME WRITE" {
			t.Errorf("client got %q", reply)
		}
		if s := recv(t, upperGot); s != "in the same write" {
			t.Errorf("target got %q", s)
		}
	})
}
