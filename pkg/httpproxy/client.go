package httpproxy

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultHandshakeTimeout bounds a CONNECT handshake when Client.Timeout is
// zero. It is longer than common proxies' own connect timeouts (squid's is
// one minute), so that the proxy's 504 reaches the user rather than ours.
const DefaultHandshakeTimeout = 90 * time.Second

// Client opens tunnels through one HTTP proxy with CONNECT.
type Client struct {
	// Proxy names the proxy in errors, as the user wrote it. If empty, the
	// remote address of the first connection is used.
	Proxy string

	// Dial opens a new connection to the proxy. It is called once, and once
	// more for each retry with credentials after a 407: like ncat, the
	// client does not reuse a connection the proxy may be closing. Dial the
	// TCP connection directly so that the tunnel keeps its CloseWrite.
	Dial func(ctx context.Context) (net.Conn, error)

	// Auth, if set, answers a 407 with the strongest scheme the proxy
	// offers (Digest over Basic). Credentials are never sent before the
	// proxy asks, so a proxy that offers Digest never sees the password.
	Auth *Auth

	// Timeout bounds the whole handshake, dials included. If zero,
	// DefaultHandshakeTimeout is used. If negative, only ctx bounds it.
	Timeout time.Duration
}

// Connect asks the proxy that dial reaches for a tunnel to target
// ("host:port"; IPv6 as "[::1]:80") and returns the tunnel. See
// Client.Connect.
func Connect(ctx context.Context, dial func(context.Context) (net.Conn, error), target string, auth *Auth) (net.Conn, error) {
	c := &Client{Dial: dial, Auth: auth}
	return c.Connect(ctx, target)
}

// StatusError is a proxy's refusal: any reply but 2xx to CONNECT.
type StatusError struct {
	Proxy  string
	Code   int
	Reason string // as the proxy sent it, with control characters replaced
	Detail string // why gcat gave up, for a 407; may be empty
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("http proxy %s: %d", e.Proxy, e.Code)
	if e.Reason != "" {
		s += " " + e.Reason
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Connect runs the CONNECT handshake and returns the tunnel. The returned
// connection is the dialed one itself when the proxy sent nothing after its
// reply, and otherwise a wrapper that first returns those bytes: nothing the
// target sends early (a server banner) is lost. Either way it keeps the
// dialed connection's CloseWrite and deadlines.
func (c *Client) Connect(ctx context.Context, target string) (net.Conn, error) {
	h := &handshake{c: c, name: c.Proxy}
	authority, err := requestTarget(target)
	if err != nil {
		return nil, h.wrap(err)
	}
	h.authority = authority
	if t := c.timeout(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, t, fmt.Errorf("no reply within %v: %w", t, context.DeadlineExceeded))
		defer cancel()
	}
	conn, br, resp, err := h.round(ctx, "")
	// A 407 to our answer is final, unless it says only that our Digest
	// nonce went stale: that earns one more try with the fresh nonce.
	for answered := 0; err == nil && resp.code == 407 && c.Auth != nil; answered++ {
		conn.Close()
		ch, detail := chooseChallenge(resp.header.Values("Proxy-Authenticate"))
		if answered > 0 && (answered > 1 || ch == nil || !isStale(ch)) {
			return nil, h.statusError(resp, fmt.Sprintf("credentials for user %q rejected", c.Auth.User))
		}
		if ch == nil {
			return nil, h.statusError(resp, detail)
		}
		authz, aerr := c.authorization(ch, authority)
		if aerr != nil {
			return nil, h.wrap(aerr)
		}
		conn, br, resp, err = h.round(ctx, authz)
	}
	if err != nil {
		return nil, err
	}
	if resp.code/100 != 2 {
		conn.Close()
		return nil, h.statusError(resp, "")
	}
	return withBuffered(conn, br), nil
}

func (c *Client) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultHandshakeTimeout
	}
	return c.Timeout
}

// requestTarget checks a "host:port" target, from the user or from a
// client's CONNECT, and writes it in authority form, IPv6 in brackets.
func requestTarget(target string) (string, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return "", fmt.Errorf("target %q: want host:port", printable(target))
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return "", fmt.Errorf("target %q: bad port", printable(target))
	}
	if host == "" || hasCTL(host) || strings.ContainsAny(host, " /?#@[]") {
		return "", fmt.Errorf("target %q: bad host", printable(target))
	}
	return net.JoinHostPort(host, port), nil
}

// handshake is one Connect call's state across its connections.
type handshake struct {
	c         *Client
	name      string // the proxy as errors name it
	authority string
}

// round dials the proxy, sends CONNECT with the given Proxy-Authorization
// value (if any) and reads the reply head. On success the caller owns conn.
func (h *handshake) round(ctx context.Context, authz string) (net.Conn, *bufio.Reader, *response, error) {
	conn, err := h.c.Dial(ctx)
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, nil, nil, h.wrap(err)
	}
	if h.name == "" {
		h.name = conn.RemoteAddr().String()
	}
	var req strings.Builder
	fmt.Fprintf(&req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", h.authority, h.authority)
	if authz != "" {
		fmt.Fprintf(&req, "Proxy-Authorization: %s\r\n", authz)
	}
	req.WriteString("\r\n")

	br := bufio.NewReader(conn)
	var resp *response
	err = withContext(ctx, conn, func() error {
		if _, err := conn.Write([]byte(req.String())); err != nil {
			return fmt.Errorf("sending CONNECT: %w", err)
		}
		resp, err = readResponse(br, MaxHeaderBytes)
		return err
	})
	if err != nil {
		conn.Close()
		return nil, nil, nil, h.wrap(err)
	}
	return conn, br, resp, nil
}

// wrap prefixes err with the proxy's name, the one context every
// handshake error needs.
func (h *handshake) wrap(err error) error {
	if h.name == "" {
		return fmt.Errorf("http proxy: %w", err)
	}
	return fmt.Errorf("http proxy %s: %w", h.name, err)
}

func (h *handshake) statusError(r *response, detail string) error {
	return &StatusError{Proxy: h.name, Code: r.code, Reason: printable(r.reason), Detail: detail}
}

// aLongTimeAgo is a deadline in the past, used to unblock I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// withContext runs f, whose I/O is on conn, so that it fails once ctx is
// done; it then returns ctx's cause rather than the I/O error it provoked.
func withContext(ctx context.Context, conn net.Conn, f func() error) error {
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		conn.SetDeadline(aLongTimeAgo)
		close(done)
	})
	err := f()
	if !stop() {
		<-done
		return context.Cause(ctx)
	}
	return err
}

// chooseChallenge picks the strongest challenge gcat can answer: Digest
// with the strongest hash, then Basic. If there is none, it says what was
// offered.
func chooseChallenge(values []string) (*authItem, string) {
	var best *authItem
	bestRank := 0
	var offered []string
	for _, v := range values {
		items, _ := parseAuthItems(v) // answer what parsed even if the rest did not
		for i := range items {
			it := &items[i]
			offered = append(offered, it.Scheme)
			if r := challengeRank(it); r > bestRank {
				best, bestRank = it, r
			}
		}
	}
	if best != nil {
		return best, ""
	}
	if len(offered) == 0 {
		return nil, "no Proxy-Authenticate challenge"
	}
	return nil, "no supported scheme offered: " + printable(strings.Join(offered, ", "))
}

// challengeRank orders what we can answer; 0 means we cannot.
func challengeRank(it *authItem) int {
	switch {
	case strings.EqualFold(it.Scheme, "Basic"):
		return 1
	case strings.EqualFold(it.Scheme, "Digest"):
		alg, ok := lookupDigestAlgorithm(it.Params["algorithm"])
		qop, hasQop := it.Params["qop"]
		if !ok || it.Params["nonce"] == "" || (hasQop && !qopHasAuth(qop)) {
			return 0
		}
		return 1 + alg.rank
	}
	return 0
}

func isStale(it *authItem) bool {
	return strings.EqualFold(it.Scheme, "Digest") && strings.EqualFold(it.Params["stale"], "true")
}

// authorization builds the Proxy-Authorization value answering ch.
func (c *Client) authorization(ch *authItem, uri string) (string, error) {
	if strings.EqualFold(ch.Scheme, "Basic") {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Auth.basic())), nil
	}
	if hasCTL(c.Auth.User) {
		return "", errors.New("control character in user name")
	}
	alg, _ := lookupDigestAlgorithm(ch.Params["algorithm"])
	in := digestInput{
		user: c.Auth.User, pass: c.Auth.Pass, realm: ch.Params["realm"],
		method: "CONNECT", uri: uri, nonce: ch.Params["nonce"], alg: alg,
	}
	if _, ok := ch.Params["qop"]; ok {
		in.qop, in.nc, in.cnonce = "auth", "00000001", newCnonce()
	}
	f := []string{
		"username=" + quote(in.user), "realm=" + quote(in.realm), "nonce=" + quote(in.nonce),
		"uri=" + quote(uri), "algorithm=" + alg.name, "response=" + quote(in.response()),
	}
	if in.qop != "" {
		f = append(f, "qop=auth", "nc="+in.nc, "cnonce="+quote(in.cnonce))
	}
	if op, ok := ch.Params["opaque"]; ok {
		f = append(f, "opaque="+quote(op))
	}
	return "Digest " + strings.Join(f, ", "), nil
}

func newCnonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
