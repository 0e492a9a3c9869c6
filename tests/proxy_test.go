//go:build linux

package tests

// Proxies: gcat's --proxy client through gcat's own proxy servers and
// ncat's HTTP proxy, and gcat's proxy servers used by curl and ncat.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// proxyServer starts gcat as a proxy server of typ with extra arguments
// and returns its address.
func proxyServer(t *testing.T, typ string, extra ...string) (*proc, string) {
	t.Helper()
	srv := gcat(t, nil, append(append([]string{"-lvv", "--proxy-type", typ}, extra...), "127.0.0.1", "0")...)
	return srv, srv.listenAddr()
}

// upperServer is a gcat -lk server that upper-cases what each client
// sends: a target whose reply comes after the request's EOF.
func upperServer(t *testing.T) string {
	t.Helper()
	srv := gcat(t, nil, "-lkv", "127.0.0.1", "0", "-c", "tr a-z A-Z")
	return srv.listenAddr()
}

// TestProxyClientHalfClose: through every proxy type, gcat sends a request,
// passes its EOF on through the tunnel, and gets the whole reply, which the
// target only finishes after that EOF.
func TestProxyClientHalfClose(t *testing.T) {
	target := upperServer(t)
	host, port := hostPort(t, target)
	req := strings.Repeat("half-close through the proxy\n", 20000) // 580 KB
	for _, tt := range []struct {
		typ  string
		args []string
	}{
		{"http", nil},
		{"http", []string{"--proxy-auth", "alice:s3cret"}},
		{"socks4", nil},
		{"socks4", []string{"--proxy-auth", "alice"}},
		{"socks5", nil},
		{"socks5", []string{"--proxy-auth", "alice:s3cret"}},
	} {
		t.Run(tt.typ+strings.Join(tt.args, ""), func(t *testing.T) {
			_, paddr := proxyServer(t, tt.typ, tt.args...)
			args := append([]string{"--proxy", paddr, "--proxy-type", tt.typ}, tt.args...)
			cli := gcat(t, strings.NewReader(req), append(args, host, port)...)
			cli.mustSucceed()
			if got := cli.stdout.String(); got != strings.ToUpper(req) {
				t.Fatalf("got %d bytes back, want %d upper-cased", len(got), len(req))
			}
		})
	}
}

// TestProxyClientThroughNcat: gcat's HTTP CONNECT client through ncat's
// HTTP proxy server, with Basic or Digest authentication as ncat offers.
// ncat's proxy ends the tunnel at the client's EOF, so the target here
// answers before it: the request is a line, the reply comes at once.
func TestProxyClientThroughNcat(t *testing.T) {
	need(t, "ncat")
	echo := gcat(t, nil, "-lkv", "127.0.0.1", "0", "-c", `read l; echo "got $l"`)
	host, port := hostPort(t, echo.listenAddr())
	for _, auth := range [][]string{nil, {"--proxy-auth", "bob:pw"}} {
		pport := freeTCPPort(t, "tcp4", "127.0.0.1")
		ncat := start(t, nil, "ncat", append(append([]string{"-lv", "--proxy-type", "http"}, auth...), "127.0.0.1", pport)...)
		ncat.waitStderr(regexp.MustCompile(`Listening on (\S+)`))
		in, w := hcPipe(t)
		cli := gcat(t, in, append(append([]string{"--proxy", "127.0.0.1:" + pport}, auth...), host, port)...)
		w.WriteString("hello\n")
		if line := cli.nextStdoutLine(); line != "got hello" {
			t.Fatalf("%v: got %q", auth, line)
		}
		w.Close()
		cli.mustSucceed()
	}
}

// TestProxyDNS: where the target's name is resolved, as the SOCKS server
// sees it (-vv shows each request).
func TestProxyDNS(t *testing.T) {
	_, port := hostPort(t, upperServer(t))
	for _, tt := range []struct {
		typ, mode, seen string
	}{
		{"socks5", "remote", "socks5 CONNECT localhost:" + port},
		{"socks5", "local", "socks5 CONNECT 127.0.0.1:" + port},
		{"socks5", "both", "socks5 CONNECT 127.0.0.1:" + port},
		{"socks4", "remote", "socks4 CONNECT localhost:" + port}, // SOCKS4a
		{"socks4", "local", "socks4 CONNECT 127.0.0.1:" + port},
	} {
		t.Run(tt.typ+"-"+tt.mode, func(t *testing.T) {
			srv, paddr := proxyServer(t, tt.typ)
			cli := gcat(t, strings.NewReader("x\n"), "-4", "--proxy", paddr, "--proxy-type", tt.typ, "--proxy-dns", tt.mode, "localhost", port)
			cli.mustSucceed()
			srv.waitStderr(regexp.MustCompile(`(` + regexp.QuoteMeta(tt.seen) + `) from`))
		})
	}
	cli := gcat(t, nil, "--proxy", "127.0.0.1:1", "--proxy-type", "socks5", "--proxy-dns", "none", "localhost", port)
	if code := cli.wait(); code != 1 || !strings.Contains(cli.stderr.String(), "resolves no names") {
		t.Errorf("--proxy-dns none with a name: exit %d, %q", code, cli.stderr.String())
	}
}

// TestProxyIPv6Target: an IPv6 literal target through SOCKS5 and HTTP.
func TestProxyIPv6Target(t *testing.T) {
	if !loopback("tcp6", "::1") {
		t.Skip("no IPv6 loopback here")
	}
	target := gcat(t, nil, "-lkv", "::1", "0", "-c", "tr a-z A-Z")
	_, port := hostPort(t, target.listenAddr())
	for _, typ := range []string{"socks5", "http"} {
		_, paddr := proxyServer(t, typ)
		cli := gcat(t, strings.NewReader("six\n"), "--proxy", paddr, "--proxy-type", typ, "::1", port)
		cli.mustSucceed()
		if cli.stdout.String() != "SIX\n" {
			t.Errorf("%s: got %q", typ, cli.stdout.String())
		}
	}
}

// TestProxyClientErrors: each failure is one line naming the proxy's
// answer, exit status 1.
func TestProxyClientErrors(t *testing.T) {
	_, tport := hostPort(t, upperServer(t))
	free := freeTCPPort(t, "tcp4", "127.0.0.1")
	_, s5 := proxyServer(t, "socks5", "--proxy-auth", "u:p")
	_, s4 := proxyServer(t, "socks4")
	_, h := proxyServer(t, "http", "--proxy-auth", "u:p")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--proxy", s5, "--proxy-type", "socks5", "--proxy-auth", "u:wrong", "127.0.0.1", tport}, "gcat: socks5 proxy " + s5 + ": authentication failed"},
		{[]string{"--proxy", s5, "--proxy-type", "socks5", "--proxy-auth", "u:p", "127.0.0.1", free}, "gcat: socks5 proxy " + s5 + ": connection refused by destination"},
		{[]string{"--proxy", s4, "--proxy-type", "socks4", "127.0.0.1", free}, "gcat: socks4 proxy " + s4 + ": "},
		{[]string{"--proxy", h, "--proxy-auth", "u:wrong", "127.0.0.1", tport}, "gcat: http proxy " + h + ": 407 Proxy Authentication Required"},
		{[]string{"--proxy", h, "--proxy-auth", "u:p", "127.0.0.1", free}, "gcat: http proxy " + h + ": 502 Bad Gateway"},
		{[]string{"--proxy", "127.0.0.1:" + free, "127.0.0.1", tport}, "gcat: http proxy 127.0.0.1:" + free + ": connection refused"},
	} {
		cli := gcat(t, strings.NewReader("x\n"), tt.args...)
		code := cli.wait()
		stderr := cli.stderr.String()
		if code != 1 || !strings.HasPrefix(stderr, tt.want) || strings.Count(stderr, "\n") > 2 {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestProxyServerWithCurl: curl through gcat's HTTP proxy (GET, HEAD, POST,
// CONNECT, Basic and Digest) and SOCKS servers (4, 4a, 5, 5 with a name and
// with a password), to an origin in the test.
func TestProxyServerWithCurl(t *testing.T) {
	need(t, "curl")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, body)
	}))
	defer origin.Close()
	url := origin.URL + "/path"
	_, h := proxyServer(t, "http")
	_, ha := proxyServer(t, "http", "--proxy-auth", "u:p")
	_, s4 := proxyServer(t, "socks4")
	_, s5 := proxyServer(t, "socks5")
	_, s5a := proxyServer(t, "socks5", "--proxy-auth", "u:p")
	localURL := strings.Replace(url, "127.0.0.1", "localhost", 1)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-x", "http://" + h, url}, "GET /path "},
		{[]string{"-x", "http://" + h, "-d", "body", url}, "POST /path body"},
		{[]string{"-x", "http://" + h, "-p", url}, "GET /path "},
		{[]string{"-x", "http://" + ha, "--proxy-user", "u:p", "--proxy-basic", url}, "GET /path "},
		{[]string{"-x", "http://" + ha, "--proxy-user", "u:p", "--proxy-digest", url}, "GET /path "},
		{[]string{"-x", "http://" + ha, "--proxy-user", "u:p", "--proxy-anyauth", "-p", url}, "GET /path "},
		{[]string{"--socks4", s4, url}, "GET /path "},
		{[]string{"--socks4a", s4, localURL}, "GET /path "},
		{[]string{"--socks5", s5, url}, "GET /path "},
		{[]string{"--socks5-hostname", s5, localURL}, "GET /path "},
		{[]string{"-x", "socks5://u:p@" + s5a, url}, "GET /path "},
	} {
		c := start(t, nil, "curl", append([]string{"-sS", "--max-time", "30"}, tt.args...)...)
		c.mustSucceed()
		if got := c.stdout.String(); got != tt.want {
			t.Errorf("curl %q: got %q, want %q", tt.args, got, tt.want)
		}
	}
	// HEAD, and the refusals: wrong password 407, a method ncat's proxy
	// does not forward 405.
	for _, tt := range []struct {
		args []string
		code string
	}{
		{[]string{"-I", "-x", "http://" + h, url}, "200"},
		{[]string{"-x", "http://" + ha, "--proxy-user", "u:wrong", "--proxy-basic", url}, "407"},
		{[]string{"-X", "PUT", "-x", "http://" + h, url}, "405"},
	} {
		c := start(t, nil, "curl", append([]string{"-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30"}, tt.args...)...)
		c.wait()
		if got := c.stdout.String(); got != tt.code {
			t.Errorf("curl %q: status %q, want %s", tt.args, got, tt.code)
		}
	}
}

// TestProxyServerWithNcat: ncat as the client of gcat's SOCKS and HTTP
// proxy servers, half-close through the tunnel.
func TestProxyServerWithNcat(t *testing.T) {
	need(t, "ncat")
	host, port := hostPort(t, upperServer(t))
	for _, typ := range []string{"socks4", "socks5", "http"} {
		_, paddr := proxyServer(t, typ)
		cli := start(t, strings.NewReader("through ncat\n"), "ncat", "--proxy", paddr, "--proxy-type", typ, host, port)
		cli.mustSucceed()
		if cli.stdout.String() != "THROUGH NCAT\n" {
			t.Errorf("%s: ncat got %q", typ, cli.stdout.String())
		}
	}
}

// TestProxyServerTLSAndAccess: an HTTPS proxy (--ssl) that curl uses, and
// --deny in front of a proxy server.
func TestProxyServerTLSAndAccess(t *testing.T) {
	need(t, "curl")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "via tls proxy")
	}))
	defer origin.Close()
	_, h := proxyServer(t, "http", "--ssl")
	c := start(t, nil, "curl", "-sS", "--max-time", "30", "--proxy-insecure", "-x", "https://"+h, origin.URL)
	c.mustSucceed()
	if c.stdout.String() != "via tls proxy" {
		t.Errorf("curl through the TLS proxy got %q", c.stdout.String())
	}
	srv, d := proxyServer(t, "socks5", "--deny", "127.0.0.1")
	c = start(t, nil, "curl", "-sS", "--max-time", "30", "--socks5", d, origin.URL)
	if c.wait() == 0 {
		t.Errorf("a denied client got through: %q", c.stdout.String())
	}
	srv.waitStderr(regexp.MustCompile(`(denied: not allowed)`))
}

// TestProxyCLIErrors: ncat's refusals, as usage errors.
func TestProxyCLIErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-l", "--proxy", "127.0.0.1:3128"}, "gcat: invalid option combination: --proxy and -l"},
		{[]string{"--proxy-type", "socks5", "127.0.0.1", "80"}, "gcat: proxy options (--proxy-type, --proxy-auth, --proxy-dns) need a proxy address (--proxy)"},
		{[]string{"--proxy", "127.0.0.1", "--proxy-type", "socks6", "127.0.0.1", "80"}, `gcat: invalid proxy type "socks6"`},
		{[]string{"--proxy", "127.0.0.1", "--proxy-dns", "sometimes", "127.0.0.1", "80"}, `gcat: invalid --proxy-dns "sometimes"`},
		{[]string{"--proxy", "127.0.0.1", "--proxy-type", "socks4", "--proxy-auth", "u:p", "127.0.0.1", "80"}, "gcat: --proxy-auth: SOCKS4 sends a user name only"},
		{[]string{"--proxy", "127.0.0.1", "-u", "127.0.0.1", "80"}, "gcat: invalid option combination: --proxy and -u"},
		{[]string{"-l", "--proxy-type", "http", "-e", "/bin/cat"}, "gcat: invalid option combination: a proxy server"},
	} {
		p := gcat(t, nil, tt.args...)
		if code := p.wait(); code != 2 || !strings.HasPrefix(p.stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, p.stderr.String(), tt.want)
		}
	}
	// NCAT_PROXY_AUTH stands for --proxy-auth.
	_, h := proxyServer(t, "http", "--proxy-auth", "env:pw")
	_, port := hostPort(t, upperServer(t))
	cmd := start(t, strings.NewReader("env\n"), "env", "NCAT_PROXY_AUTH=env:pw", gcatBin, "--proxy", h, "127.0.0.1", port)
	cmd.mustSucceed()
	if cmd.stdout.String() != "ENV\n" {
		t.Errorf("with NCAT_PROXY_AUTH: got %q", cmd.stdout.String())
	}
}
