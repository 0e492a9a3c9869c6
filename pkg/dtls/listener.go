package dtls

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/dtls/v3"
)

// PacketListener hands out one net.Conn for each datagram peer, whose Reads
// return that peer's datagrams: a *dgram.Listener. Routing, peer limits
// and idle expiry are its business.
type PacketListener interface {
	Accept(ctx context.Context) (net.Conn, error)
	Addrs() []net.Addr
	Close() error
}

// ListenOptions tune a Listener. The zero value is ready to use.
type ListenOptions struct {
	// HandshakeTimeout bounds each peer's handshake. If zero,
	// DefaultHandshakeTimeout is used. If negative, only the inner
	// listener's idle expiry, if any, ends a stalled handshake.
	HandshakeTimeout time.Duration
	// Failed, if set, is told why each failed handshake failed, in one
	// line ("dtls handshake with ADDR: reason"). It may be called from
	// several goroutines at once.
	Failed func(err error)
}

// Listener runs the server handshake with each new peer of a
// PacketListener, several at once so that a slow or failing peer holds up
// no other, and hands out the sessions whose handshake succeeded.
type Listener struct {
	inner PacketListener
	opts  []dtls.ServerOption
	lo    ListenOptions
	ready chan *Conn // unbuffered: a session is either accepted or closed

	ctx    context.Context // canceled by Close: ends the accept loop and handshakes
	cancel context.CancelFunc
	done   chan struct{} // closed when the accept loop has ended, with err set
	err    error
	wg     sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// NewListener serves DTLS on the peers of inner, with conf (from
// tlsconf.Server) as the server's configuration. The Listener owns inner
// from then on; if NewListener fails, inner is left to the caller.
func NewListener(inner PacketListener, conf *tls.Config, lo ListenOptions) (*Listener, error) {
	opts, err := checkServer(conf)
	if err != nil {
		return nil, err
	}
	if lo.HandshakeTimeout == 0 {
		lo.HandshakeTimeout = DefaultHandshakeTimeout
	}
	l := &Listener{inner: inner, opts: opts, lo: lo, ready: make(chan *Conn), done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// Accept waits for a peer whose handshake has completed.
func (l *Listener) Accept(ctx context.Context) (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, l.err
	}
}

// Addrs returns the inner listener's addresses.
func (l *Listener) Addrs() []net.Addr { return l.inner.Addrs() }

// Close stops accepting and abandons the handshakes under way. The
// sessions already handed out keep working.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.cancel()
		l.closeErr = l.inner.Close()
		l.wg.Wait()
	})
	return l.closeErr
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.inner.Accept(l.ctx)
		if err != nil {
			if l.ctx.Err() != nil {
				err = net.ErrClosed
			}
			l.err = err
			close(l.done)
			return
		}
		l.wg.Add(1)
		go l.handshake(c)
	}
}

// handshake runs one peer's handshake and waits for Accept to take the
// session, or for Close.
func (l *Listener) handshake(c net.Conn) {
	defer l.wg.Done()
	raddr := c.RemoteAddr()
	ctx := l.ctx
	if l.lo.HandshakeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.lo.HandshakeTimeout)
		defer cancel()
	}
	conn, err := server(ctx, c, l.opts)
	if err != nil {
		if l.ctx.Err() == nil {
			l.failed(fmt.Errorf("dtls handshake with %s: %w", raddr, err))
		}
		return
	}
	select {
	case l.ready <- conn:
	case <-l.ctx.Done():
		conn.Close()
	}
}

func (l *Listener) failed(err error) {
	if l.lo.Failed != nil {
		l.lo.Failed(err)
	}
}
