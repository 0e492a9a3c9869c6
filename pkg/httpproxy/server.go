package httpproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gcat-dev/gcat/pkg/halfclose"
	"github.com/gcat-dev/gcat/pkg/relay"
)

// ServerConfig is the policy of gcat's HTTP proxy server. The zero value is
// an open proxy with the defaults below.
type ServerConfig struct {
	// Auth, if set, is required of every client, as Basic or Digest
	// credentials. If nil, no authentication is asked for.
	Auth *Auth

	// Realm names the protection space in challenges. If empty, "gcat".
	Realm string

	// Dial connects to targets and origin servers. If nil, a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// DialTimeout bounds a Dial; its expiry is answered with 504. If zero,
	// 30 seconds. If negative, only the context bounds it.
	DialTimeout time.Duration

	// HeaderTimeout is one deadline, from Serve's start, for every request
	// head the client sends until one is served (the 407 rounds of
	// authentication included): neither a client that trickles a byte at a
	// time nor one that starts round after round can extend it. A client
	// that is not done by then gets 408. If zero, 30 seconds. If negative,
	// there is no limit. A caller that bounds a whole handshake (a TLS
	// handshake before it, say) passes what is left of its bound.
	HeaderTimeout time.Duration

	// MaxHeaderBytes bounds a request head, answered with 413 (and an
	// origin's reply head). If zero, MaxHeaderBytes.
	MaxHeaderBytes int

	// MaxRequestLine bounds the Request-Line (method, URI, version and
	// CRLF), answered with 414. If zero, DefaultMaxRequestLine.
	MaxRequestLine int

	// MaxChunkedBody bounds a request body sent in chunked transfer coding,
	// which is read whole and forwarded with a Content-Length (an origin
	// may not understand chunked, and the body cannot be passed on half
	// understood); a longer one gets 413. If zero, DefaultMaxChunkedBody.
	// If negative, chunked bodies are refused with 411 Length Required.
	MaxChunkedBody int64

	// Family restricts targets to IPv4 (4) or IPv6 (6), as -4 and -6 do:
	// a request for an address of the other family, or for a name
	// without an address of this one, gets 504, as with ncat. If zero,
	// either.
	Family int

	// Self lists the addresses the proxy listens on, so that a request for
	// one of them, a loop, gets 403 (ErrLoop). An unspecified IP (0.0.0.0,
	// ::) stands for every local address. If empty, any local address with
	// the port the client connected to counts, as for a listener on all
	// addresses.
	Self []net.Addr
}

// ErrAuthRequired is returned (wrapped) by Serve when it answered 407: the
// normal first step of a client that authenticates, not worth a warning.
var ErrAuthRequired = errors.New("proxy authentication required")

const defaultTimeout = 30 * time.Second

func (c ServerConfig) withDefaults() ServerConfig {
	if c.Realm == "" {
		c.Realm = "gcat"
	}
	if c.Dial == nil {
		c.Dial = (&net.Dialer{}).DialContext
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = defaultTimeout
	}
	if c.HeaderTimeout == 0 {
		c.HeaderTimeout = defaultTimeout
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = MaxHeaderBytes
	}
	if c.MaxRequestLine <= 0 {
		c.MaxRequestLine = DefaultMaxRequestLine
	}
	if c.MaxChunkedBody == 0 {
		c.MaxChunkedBody = DefaultMaxChunkedBody
	}
	return c
}

// Serve handles one accepted client connection as ncat's HTTP proxy does:
// CONNECT opens a tunnel, GET, HEAD and POST with an absolute http:// URI
// are forwarded, anything else is refused. One request per connection, as
// with ncat, except that a client may answer a 407 on the same connection.
// It is Accept, then Request.Serve.
//
// A tunnel passes each direction's EOF on separately (the client's EOF
// shuts down the write side towards the target, and the reverse), so a
// request-then-read client behind gcat gets its whole reply.
//
// Serve closes client, and every connection it dialed, before returning;
// it returns when all its goroutines are done. Cancelling ctx aborts it.
func Serve(ctx context.Context, client net.Conn, cfg ServerConfig) error {
	req, err := Accept(ctx, client, cfg)
	if err != nil {
		return err
	}
	return req.Serve(ctx)
}

// Request is a client's request, read and authorized: what is left is to
// open its tunnel or forward it.
type Request struct {
	s    *session
	req  *http.Request
	br   *bufio.Reader // what the client sent past the head
	what string        // the request line, for errors
}

// Accept is the proxy's handshake with a client: it reads request heads,
// answering 407s and refusing what it does not serve, until one is to be
// served. Every head must be complete by one deadline: HeaderTimeout from
// now, or ctx's deadline if that is sooner (a trickling client cannot
// extend it, and is answered 408). Cancelling ctx aborts it. On failure it
// closes client; on success the Request owns client.
func Accept(ctx context.Context, client net.Conn, cfg ServerConfig) (*Request, error) {
	s := &session{cfg: cfg.withDefaults(), client: client}
	if d := s.cfg.HeaderTimeout; d > 0 {
		s.deadline = time.Now().Add(d)
	}
	if d, ok := ctx.Deadline(); ok && (s.deadline.IsZero() || d.Before(s.deadline)) {
		s.deadline = d
	}
	s.track(client)
	// ctx's deadline is the heads' deadline, which answers 408 itself;
	// only a cancellation aborts.
	defer s.abortOn(ctx, false)()
	req, err := s.handshake()
	if err != nil {
		s.closeAll()
		return nil, err
	}
	return req, nil
}

// Serve opens the request's tunnel, or forwards it, and relays until both
// directions have ended. It closes the client and every connection it
// dialed before returning. Cancelling ctx aborts it.
func (r *Request) Serve(ctx context.Context) error {
	defer r.s.closeAll()
	defer r.s.abortOn(ctx, true)()
	var err error
	if r.req.Method == "CONNECT" {
		err = r.s.connect(ctx, r.req, r.br)
	} else {
		err = r.s.forward(ctx, r.req) // the body reads from br; nothing may follow it
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("http proxy: %s: %w", r.what, ctx.Err())
	}
	return err
}

// abortOn aborts the session when ctx is cancelled (or, with deadline, when
// it expires), until the function it returns is called; that function
// returns once an abort under way is done.
func (s *session) abortOn(ctx context.Context, deadline bool) func() {
	aborted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(aborted)
		if deadline || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.abort()
		}
	})
	return func() {
		if !stop() {
			<-aborted
		}
	}
}

// maxAuthRounds bounds the 407s answered on one connection.
const maxAuthRounds = 3

// handshake reads requests until one is to be served, or refused. Only a
// 407 lets the connection carry another request: curl answers a challenge
// to CONNECT on the same connection and gives up if it is closed (ncat
// closes it, so curl -p --proxy-digest fails against ncat).
func (s *session) handshake() (*Request, error) {
	lim := &headLimit{r: s.client}
	br := bufio.NewReader(lim)
	var authErr error
	for round := 0; ; round++ {
		req, err := s.readRequest(br, lim)
		if err != nil {
			if authErr != nil && errors.Is(err, errNoRequest) {
				return nil, authErr // the client went off to answer elsewhere
			}
			return nil, err
		}
		what := req.Method + " " + printable(req.RequestURI)
		switch req.Method {
		case "CONNECT", "GET", "HEAD", "POST":
		default:
			s.refuse(http.StatusMethodNotAllowed, "Allow: CONNECT, GET, HEAD, POST")
			return nil, fmt.Errorf("http proxy: %s: method not allowed", what)
		}
		if s.cfg.Auth != nil && !s.authorized(req, round < maxAuthRounds-1) {
			authErr = fmt.Errorf("http proxy: %s: %w", what, ErrAuthRequired)
			if req.Close {
				return nil, authErr
			}
			continue
		}
		return &Request{s: s, req: req, br: br, what: what}, nil
	}
}

// authorized checks the request's credentials and otherwise answers 407.
// The connection is kept for the client's answer when mayKeep, the client
// speaks HTTP/1.1 and did not ask to close, and there is no body to skip;
// otherwise req.Close is set and the 407 is ncat's (HTTP/1.0, then close).
func (s *session) authorized(req *http.Request, mayKeep bool) bool {
	now := time.Now()
	v := checkAuth(req, s.cfg.Auth, s.cfg.Realm, now)
	if v == authOK {
		return true
	}
	var h []string
	for _, c := range challenges(s.cfg.Realm, v == authStale, now) {
		h = append(h, "Proxy-Authenticate: "+c)
	}
	if !mayKeep || !req.ProtoAtLeast(1, 1) || req.Close || req.ContentLength != 0 {
		req.Close = true
		s.refuse(http.StatusProxyAuthRequired, h...)
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", http.StatusProxyAuthRequired, http.StatusText(http.StatusProxyAuthRequired))
	for _, f := range h {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	if _, err := io.WriteString(s.client, b.String()); err != nil {
		req.Close = true
	}
	return false
}

// session is one Serve call: the client and whatever it dialed for it.
type session struct {
	cfg      ServerConfig
	client   net.Conn
	deadline time.Time // for the request heads; zero: none

	mu       sync.Mutex
	conns    []net.Conn
	canceled bool
}

// track registers a connection for abort and close; one registered after an
// abort is stopped at once.
func (s *session) track(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, c)
	if s.canceled {
		c.SetDeadline(aLongTimeAgo)
	}
}

// abort makes all blocked I/O of the session fail now and from now on.
func (s *session) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canceled = true
	for _, c := range s.conns {
		c.SetDeadline(aLongTimeAgo)
	}
}

// setReadDeadline sets the client's read deadline unless the session was
// aborted: the abort's past deadline must not be lifted.
func (s *session) setReadDeadline(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.canceled {
		s.client.SetReadDeadline(t)
	}
}

func (s *session) isCanceled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.canceled
}

func (s *session) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

// refuse answers with an error status, ncat's way (HTTP/1.0, no body).
func (s *session) refuse(code int, header ...string) {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.0 %d %s\r\n", code, http.StatusText(code))
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(s.client, b.String()); err == nil {
		s.lingerClose()
	}
}

// lingerClose ends the answer with a FIN and then waits briefly for the
// client to close: closing with unread client bytes in the socket would
// reset the connection, and the client could lose the answer's tail.
func (s *session) lingerClose() {
	halfclose.CloseWrite(s.client)
	s.setReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, s.client, lingerBytes)
}

const (
	lingerTime  = 500 * time.Millisecond
	lingerBytes = 1 << 20
)

// connect opens the tunnel and relays it until both directions have ended.
func (s *session) connect(ctx context.Context, req *http.Request, br *bufio.Reader) error {
	addr, err := requestTarget(req.RequestURI)
	if err != nil {
		s.refuse(http.StatusBadRequest)
		return fmt.Errorf("http proxy: CONNECT: %w", err)
	}
	target, err := s.dial(ctx, req, addr)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(s.client, "HTTP/1.0 200 OK\r\n\r\n"); err != nil {
		return fmt.Errorf("http proxy: CONNECT %s: reply: %w", addr, err)
	}
	// Bytes the client sent right behind its request are the tunnel's
	// first bytes.
	in := withBuffered(s.client, br)
	if _, err := relay.Run(ctx, target, in, s.client, relay.Options{Idle: -1}); err != nil {
		return fmt.Errorf("http proxy: CONNECT %s: %w", addr, err)
	}
	return nil
}
