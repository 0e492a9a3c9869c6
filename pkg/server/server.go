// Package server is gcat's one server pipeline. Every listening mode — a
// single -l connection, -lk with -e/-c/--lua-exec, the -lk hub, --broker and
// --chat, the proxy servers — over every kind of socket — TCP, Unix, vsock,
// UDP and DTLS sessions, sockets handed over by a service manager — takes
// its connections through the same stages:
//
//		accept ──▶ admit ──▶ handshake ──▶ limit ──▶ handler
//
//	  - accept: from a Listener. Failures such as running out of descriptors
//	    (EMFILE) are logged once, backed off and recovered from.
//	  - admit: --allow/--deny, decided on the peer's address before a byte is
//	    read.
//	  - handshake: what must happen before a connection is served (TLS, DTLS,
//	    a proxy's request). Unfinished handshakes have a bound of their own
//	    and a deadline for the whole handshake, so that clients that never
//	    finish one cannot hold the slots of served connections; when the
//	    bound is full the oldest unfinished one is shed.
//	  - limit: -m, one semaphore of served connections, held from the end of
//	    the handshake until the handler is done with the connection.
//	  - handler: the mode.
//
// Every line about a connection's life is logged here, so each mode says
// the same things the same way.
package server

import (
	"context"
	"net"
	"sync"
	"time"
)

// Listener is a source of connections. Close stops accepting; connections
// already handed out go on.
type Listener interface {
	Accept(ctx context.Context) (net.Conn, error)
	Addrs() []net.Addr
	Close() error
}

// Handshake turns an accepted connection into the one the handler serves.
// It must give up when ctx is done; the pipeline also puts the handshake's
// deadline on c, so that a read or write of c fails once it has passed.
// On failure it returns an error and the pipeline closes c.
type Handshake func(ctx context.Context, c net.Conn) (net.Conn, error)

// Handler is a mode: what is done with each connection. It is called with
// one connection at a time, in the order they are ready, and must not block:
// it starts serving c (registers it with a hub, say) and returns a function
// that serves c until it is done, run in c's own goroutine. c's -m slot is
// held until that function returns; its error is logged at -v.
type Handler func(ctx context.Context, c net.Conn) (serve func() error)

// Defaults for the zero values of Options.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultMaxHandshakes bounds unfinished handshakes: large enough
	// that legitimate clients are not shed behind a flood of idle ones
	// (the oldest goes first, and theirs are fresh), small enough to
	// bound memory and descriptors.
	DefaultMaxHandshakes = 1024
)

// Options are the policies of a Server. The zero value accepts everyone,
// with no handshake and no limit, until the context ends.
type Options struct {
	// Admit decides on a peer by its address (--allow, --deny). Refused
	// peers are closed before anything is read from them. If nil, every
	// peer is admitted.
	Admit func(peer net.Addr) bool

	// Handshake, if set, runs on each admitted connection before it is
	// served; HandshakeName names it in log lines ("SSL", "DTLS").
	Handshake     Handshake
	HandshakeName string
	// HandshakeTimeout bounds a whole handshake. If zero,
	// DefaultHandshakeTimeout. If negative, only MaxHandshakes does.
	HandshakeTimeout time.Duration
	// MaxHandshakes bounds the handshakes under way at once. If zero,
	// DefaultMaxHandshakes.
	MaxHandshakes int

	// MaxConns bounds the connections served at once (-m); more are
	// closed as soon as they are ready. If zero, there is no bound.
	MaxConns int

	// Once serves the first connection that is ready and nothing more, as
	// ncat -l does: the listener is closed once a peer is admitted, a
	// failed handshake ends Serve, and Serve returns the handler's error.
	Once bool

	// Log receives the pipeline's lines. If nil, nothing is logged.
	Log Logger
}

// Logger prints the pipeline's lines: Infof at -v, Debugf at -vv, Errorf
// always.
type Logger interface {
	Infof(format string, args ...any)
	Debugf(format string, args ...any)
	Errorf(format string, args ...any)
}

// Serve runs the pipeline on ln until ctx ends or ln fails (with Once,
// until its one connection is served), and returns once every connection
// it started has been served. It closes ln.
func Serve(ctx context.Context, ln Listener, opt Options, h Handler) error {
	s := newServer(ctx, ln, opt, h)
	defer s.shutdown()
	if opt.Once {
		return s.serveOnce()
	}
	for {
		c, err := s.accept()
		if err != nil {
			return err
		}
		s.admitted(c)
	}
}

type server struct {
	ctx     context.Context
	cancel  context.CancelFunc
	ln      Listener
	opt     Options
	handler Handler
	log     *limitedLog
	slots   chan struct{} // a token per served connection; nil: no -m
	pending *pending      // unfinished handshakes
	wg      sync.WaitGroup
}

func newServer(ctx context.Context, ln Listener, opt Options, h Handler) *server {
	if opt.HandshakeTimeout == 0 {
		opt.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if opt.MaxHandshakes <= 0 {
		opt.MaxHandshakes = DefaultMaxHandshakes
	}
	s := &server{ln: ln, opt: opt, handler: h, log: newLimitedLog(opt.Log)}
	s.ctx, s.cancel = context.WithCancel(ctx)
	if opt.MaxConns > 0 {
		s.slots = make(chan struct{}, opt.MaxConns)
	}
	s.pending = newPending(opt.MaxHandshakes)
	return s
}

// shutdown stops accepting, abandons unfinished handshakes and waits for
// every connection's goroutine.
func (s *server) shutdown() {
	s.ln.Close()
	if s.ctx.Err() != nil {
		s.pending.closeAll()
	}
	s.wg.Wait()
	s.cancel()
	s.log.report()
}

// admitted takes an admitted connection on: through its handshake in a
// goroutine of its own, or, with none, straight to the limit and the
// handler, before the next accept.
func (s *server) admitted(c net.Conn) {
	if s.opt.Handshake == nil {
		s.serve(c)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if tc, err := s.handshake(c); err == nil {
			s.serve(tc)
		}
	}()
}

// serve applies the limit and hands c to the handler; the slot is released
// when the handler's serve function returns.
func (s *server) serve(c net.Conn) {
	peer := c.RemoteAddr()
	if !s.take(c) {
		return
	}
	// Logged once the handler has taken c: a hub client has joined, so
	// what stdin sends once the line is out reaches it.
	run := s.handler(s.ctx, c)
	s.logConnection(peer)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := run()
		// The slot is free before the lines about the end are written: a
		// client started on "ended" must find room.
		s.release()
		if err != nil && s.ctx.Err() == nil {
			s.log.Infof("%s: %v", peer, err)
		}
		s.log.Debugf("Connection from %s ended.", peer)
	}()
}

// serveOnce is ncat -l: the first admitted peer is the only one; the
// listener closes at once, so later clients are refused, not left in the
// backlog.
func (s *server) serveOnce() error {
	c, err := s.accept()
	if err != nil {
		return err
	}
	s.ln.Close()
	if s.opt.Handshake != nil {
		if c, err = s.handshake(c); err != nil {
			return err
		}
	}
	run := s.handler(s.ctx, c)
	s.logConnection(c.RemoteAddr())
	return run()
}

func (s *server) logConnection(peer net.Addr) {
	if _, ok := peer.(*net.UnixAddr); ok {
		s.log.Infof("Connection from a client on Unix domain socket.")
		return
	}
	s.log.Infof("Connection from %s.", peer)
}

// take reserves a -m slot for c; when all are taken c is closed at once,
// as ncat does.
func (s *server) take(c net.Conn) bool {
	if s.slots == nil {
		return true
	}
	select {
	case s.slots <- struct{}{}:
		return true
	default:
		s.log.refused("New connection from %s denied: connection limit reached (%d)", c.RemoteAddr(), cap(s.slots))
		c.Close()
		return false
	}
}

func (s *server) release() {
	if s.slots != nil {
		<-s.slots
	}
}
