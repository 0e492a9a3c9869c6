package httpproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDigestKnownAnswers(t *testing.T) {
	tests := []struct {
		in   digestInput
		want string
	}{
		{ // RFC 7616 section 3.9.1
			digestInput{user: "Mufasa", pass: "Circle of Life", realm: "http-auth@example.org", method: "GET", uri: "/dir/index.html",
				nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
				nc: "00000001", qop: "auth", alg: digestAlgorithms["MD5"]},
			"8ca523f5e9506fed4657c9700eebdbec",
		},
		{
			digestInput{user: "Mufasa", pass: "Circle of Life", realm: "http-auth@example.org", method: "GET", uri: "/dir/index.html",
				nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
				nc: "00000001", qop: "auth", alg: digestAlgorithms["SHA-256"]},
			"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
		},
		{ // RFC 2617 section 3.5
			digestInput{user: "Mufasa", pass: "Circle Of Life", realm: "testrealm@host.com", method: "GET", uri: "/dir/index.html",
				nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", cnonce: "0a4f113b", nc: "00000001", qop: "auth", alg: digestAlgorithms["MD5"]},
			"6629fae49393a05397450978507c4ef1",
		},
	}
	for _, tt := range tests {
		if got := tt.in.response(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.in.alg.name, got, tt.want)
		}
	}
}

func TestParseAuthItems(t *testing.T) {
	tests := []struct {
		in   string
		want []authItem
	}{
		{`Basic realm="a b", Digest realm="r", nonce="n\"q", qop="auth,auth-int"`, []authItem{
			{Scheme: "Basic", Params: map[string]string{"realm": "a b"}},
			{Scheme: "Digest", Params: map[string]string{"realm": "r", "nonce": `n"q`, "qop": "auth,auth-int"}},
		}},
		{`Negotiate, NTLM abc==, Basic dXNlcg==`, []authItem{
			{Scheme: "Negotiate"}, {Scheme: "NTLM", Token68: "abc=="}, {Scheme: "Basic", Token68: "dXNlcg=="},
		}},
		{`Digest Realm = r , ALGORITHM=SHA-256,, stale=true`, []authItem{
			{Scheme: "Digest", Params: map[string]string{"realm": "r", "algorithm": "SHA-256", "stale": "true"}},
		}},
		{`Basic a=`, []authItem{{Scheme: "Basic", Token68: "a="}}},
	}
	for _, tt := range tests {
		got, err := parseAuthItems(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseAuthItems(%q) = %+v, %v\nwant %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`Digest realm="unterminated`, `Digest realm="a` + "\r\n" + `b"`, `Digest a=b c`, `Digest a=b, a=c`, `=x`, `Basic a==b`, `Basic =abc`} {
		if got, err := parseAuthItems(bad); err == nil {
			t.Errorf("parseAuthItems(%q) = %+v, want an error", bad, got)
		}
	}
}

// formatAuthItem writes an item back in canonical form, for round trips.
func formatAuthItem(it authItem) string {
	if it.Token68 != "" {
		return it.Scheme + " " + it.Token68
	}
	var ps []string
	for _, k := range slices.Sorted(maps.Keys(it.Params)) {
		ps = append(ps, k+"="+quote(it.Params[k]))
	}
	if len(ps) == 0 {
		return it.Scheme
	}
	return it.Scheme + " " + strings.Join(ps, ", ")
}

// FuzzParseAuthItems checks that whatever parses formats back to the same
// items, and that no parsed value carries a control character into a
// header we would echo it in.
func FuzzParseAuthItems(f *testing.F) {
	for _, s := range []string{
		`Basic realm="gcat"`,
		`Digest realm="gcat", nonce="18ea-00ff", qop="auth", algorithm=MD5, Digest realm="x", nonce="y", algorithm=SHA-256`,
		`Negotiate, NTLM abc==`, `Digest username="u\"x", uri="h:1", response="ab", nc=00000001`, `Basic a=`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := parseAuthItems(s)
		if err != nil {
			return
		}
		var parts []string
		for _, it := range items {
			for _, v := range it.Params {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("control character in value %q", v)
				}
			}
			parts = append(parts, formatAuthItem(it))
		}
		again, err := parseAuthItems(strings.Join(parts, ", "))
		if err != nil || !reflect.DeepEqual(again, items) {
			t.Fatalf("round trip of %q:\n%+v\n%+v, %v", s, items, again, err)
		}
	})
}

// FuzzDigestRoundTrip has gcat's client answer gcat's server's challenge
// with arbitrary credentials and realm: the server must accept the answer.
func FuzzDigestRoundTrip(f *testing.F) {
	f.Add("user", "pass", "gcat", "example.com:443", byte(0))
	f.Add(`a"b\c`, "p:w", `r"e\alm`, "[::1]:80", byte(1))
	f.Fuzz(func(t *testing.T, user, pass, realm, target string, pick byte) {
		authority, err := requestTarget(target)
		if err != nil || user == "" || hasCTL(user) || hasCTL(realm) || !utf8Valid(user+pass+realm) {
			return
		}
		auth := &Auth{User: user, Pass: pass}
		now := time.Now()
		chs := challenges(realm, false, now)
		ch, detail := chooseChallenge(chs[int(pick)%len(chs):])
		if ch == nil {
			t.Fatalf("no challenge chosen from %q: %s", chs, detail)
		}
		authz, err := (&Client{Auth: auth}).authorization(ch, authority)
		if err != nil {
			t.Fatal(err)
		}
		req := &http.Request{Method: "CONNECT", RequestURI: authority, Header: http.Header{"Proxy-Authorization": {authz}}}
		if v := checkAuth(req, auth, realm, now); v != authOK {
			t.Fatalf("server rejected %q for challenge %q: %v", authz, chs, v)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// FuzzReadResponse checks the client's reply parser: it never panics, and a
// head it accepts ends exactly at a blank line, so the bytes after it (the
// tunnel's first bytes) are all still in the reader.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.0 200 OK\r\n\r\nbanner",
		"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"r\"\r\n folded\r\n\r\n",
		"HTTP/1.1 200\n\n", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 100) + "\r\n\r\n", "SSH-2.0-x\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(b), 16)
		r, err := readResponse(br, 256)
		if err != nil {
			return
		}
		if r.code < 100 || r.code > 999 || strings.ContainsFunc(printable(r.reason), isCTLRune) {
			t.Fatalf("accepted %+v", r)
		}
		for _, vs := range r.header {
			for _, v := range vs {
				if strings.ContainsFunc(v, isCTLRune) {
					t.Fatalf("control character in header value %q", v)
				}
			}
		}
		rest, _ := io.ReadAll(br)
		head := b[:len(b)-len(rest)]
		if !bytes.HasSuffix(b, rest) || !(bytes.HasSuffix(head, []byte("\n\n")) || bytes.HasSuffix(head, []byte("\n\r\n"))) {
			t.Fatalf("head %q does not end at a blank line; rest %q", head, rest)
		}
		if len(head) > 256 {
			t.Fatalf("head of %d bytes accepted with a limit of 256", len(head))
		}
	})
}

// memConn is an in-memory connection for fuzzing Serve: reads come from a
// fixed input, then EOF; writes are collected.
type memConn struct {
	r  io.Reader
	mu sync.Mutex
	w  bytes.Buffer
}

func (c *memConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}
func (c *memConn) Close() error                     { return nil }
func (c *memConn) CloseWrite() error                { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzServe feeds arbitrary requests to the server, with and without
// credentials required: it must answer in HTTP or not at all, and return.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		"CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\ndata",
		"GET http://h/p?q HTTP/1.1\r\nConnection: x\r\nX: 1\r\n\r\n",
		"POST http://h:8/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Digest username=\"u\", realm=\"gcat\", nonce=\"1-00\", uri=\"h:1\", response=\"x\"\r\n\r\n",
		"CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
		"PUT http://h/ HTTP/1.1\r\n\r\n", "garbage\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, needAuth bool) {
		cfg := ServerConfig{
			MaxHeaderBytes: 512,
			Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if strings.HasPrefix(addr, "fail") {
					return nil, errors.New("refused")
				}
				return &memConn{r: strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")}, nil
			},
		}
		if needAuth {
			cfg.Auth = &Auth{User: "u", Pass: "p"}
		}
		client := &memConn{r: bytes.NewReader(in)}
		Serve(context.Background(), client, cfg)
		if out := client.w.Bytes(); len(out) > 0 && !bytes.HasPrefix(out, []byte("HTTP/1.")) {
			t.Fatalf("answered %q", out)
		}
	})
}
