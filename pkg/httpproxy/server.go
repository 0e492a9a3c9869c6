package httpproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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

	// HeaderTimeout bounds how long a client may take to send its request
	// head; a client that never finishes gets 408. If zero, 30 seconds. If
	// negative, there is no limit.
	HeaderTimeout time.Duration

	// MaxHeaderBytes bounds a request head (and an origin's reply head).
	// If zero, MaxHeaderBytes.
	MaxHeaderBytes int
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
	return c
}

// Serve handles one accepted client connection as ncat's HTTP proxy does:
// CONNECT opens a tunnel, GET, HEAD and POST with an absolute http:// URI
// are forwarded, anything else is refused. One request per connection, as
// with ncat, except that a client may answer a 407 on the same connection.
//
// A tunnel passes each direction's EOF on separately (the client's EOF
// shuts down the write side towards the target, and the reverse), so a
// request-then-read client behind gcat gets its whole reply.
//
// Serve closes client, and every connection it dialed, before returning;
// it returns when all its goroutines are done. Cancelling ctx aborts it.
func Serve(ctx context.Context, client net.Conn, cfg ServerConfig) error {
	s := &session{cfg: cfg.withDefaults(), client: client}
	s.track(client)
	defer s.closeAll()
	aborted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		s.abort()
		close(aborted)
	})
	defer func() {
		if !stop() {
			<-aborted
		}
	}()

	return s.run(ctx)
}

// maxAuthRounds bounds the 407s answered on one connection.
const maxAuthRounds = 3

// run reads requests until one is refused or served. Only a 407 lets the
// connection carry another request: curl answers a challenge to CONNECT on
// the same connection and gives up if it is closed (ncat closes it, so
// curl -p --proxy-digest fails against ncat).
func (s *session) run(ctx context.Context) error {
	lim := &headLimit{r: s.client}
	br := bufio.NewReader(lim)
	var authErr error
	for round := 0; ; round++ {
		req, err := s.readRequest(br, lim)
		if err != nil {
			if authErr != nil && errors.Is(err, errNoRequest) {
				return authErr // the client went off to answer elsewhere
			}
			return err
		}
		what := req.Method + " " + printable(req.RequestURI)
		switch req.Method {
		case "CONNECT", "GET", "HEAD", "POST":
		default:
			s.refuse(http.StatusMethodNotAllowed, "Allow: CONNECT, GET, HEAD, POST")
			return fmt.Errorf("http proxy: %s: method not allowed", what)
		}
		if s.cfg.Auth != nil && !s.authorized(req, round < maxAuthRounds-1) {
			authErr = fmt.Errorf("http proxy: %s: %w", what, ErrAuthRequired)
			if req.Close {
				return authErr
			}
			continue
		}
		if req.Method == "CONNECT" {
			err = s.connect(ctx, req, br)
		} else {
			err = s.forward(ctx, req) // the body reads from br; nothing may follow it
		}
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("http proxy: %s: %w", what, ctx.Err())
		}
		return err
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
	cfg    ServerConfig
	client net.Conn

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

// errNoRequest is a client that closed its connection without starting a
// request.
var errNoRequest = errors.New("client closed the connection without a request")

// readRequest reads a request head from br, which reads through lim,
// answering a client that sends too much, too slowly or nonsense. br then
// holds what the client sent past the head.
func (s *session) readRequest(br *bufio.Reader, lim *headLimit) (*http.Request, error) {
	lim.reset(s.cfg.MaxHeaderBytes)
	if d := s.cfg.HeaderTimeout; d > 0 {
		s.setReadDeadline(time.Now().Add(d))
	}
	req, err := http.ReadRequest(br)
	lim.lift()
	s.setReadDeadline(time.Time{})
	if err == nil {
		return req, nil
	}
	switch {
	case s.isCanceled():
	case lim.exceeded:
		s.refuse(http.StatusRequestHeaderFieldsTooLarge)
		err = fmt.Errorf("request head larger than %d bytes", s.cfg.MaxHeaderBytes)
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.refuse(http.StatusRequestTimeout)
		err = fmt.Errorf("no complete request head within %v: %w", s.cfg.HeaderTimeout, err)
	case errors.Is(err, io.EOF) && lim.read == 0 && br.Buffered() == 0:
		err = errNoRequest
	default:
		s.refuse(http.StatusBadRequest)
	}
	return nil, fmt.Errorf("http proxy: read request: %w", err)
}

// headLimit lets a bufio-based parser take at most n bytes from r until it
// is lifted, so that net/http's unbounded header reader stays bounded.
type headLimit struct {
	r        io.Reader
	n        int
	read     int
	lifted   bool
	exceeded bool
}

func (l *headLimit) Read(p []byte) (int, error) {
	if l.lifted {
		return l.r.Read(p)
	}
	if l.read >= l.n {
		l.exceeded = true
		return 0, errors.New("head too large")
	}
	p = p[:min(len(p), l.n-l.read)]
	n, err := l.r.Read(p)
	l.read += n
	return n, err
}

func (l *headLimit) lift() { l.lifted = true }

// reset starts a new head of at most n bytes.
func (l *headLimit) reset(n int) {
	l.n, l.read, l.lifted, l.exceeded = n, 0, false, false
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

// dial connects to addr for the client's request; a failure is answered
// with 504 when it timed out and 502 otherwise.
func (s *session) dial(ctx context.Context, req *http.Request, addr string) (net.Conn, error) {
	dctx := ctx
	if d := s.cfg.DialTimeout; d > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	c, err := s.cfg.Dial(dctx, "tcp", addr)
	if err != nil {
		if ctx.Err() == nil {
			var ne net.Error
			if dctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
				s.refuse(http.StatusGatewayTimeout)
			} else {
				s.refuse(http.StatusBadGateway)
			}
		}
		return nil, fmt.Errorf("http proxy: %s %s: %w", req.Method, printable(req.RequestURI), err)
	}
	s.track(c)
	return c, nil
}

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
