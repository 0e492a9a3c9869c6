package netcat

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gcat-dev/gcat/pkg/dgram"
	"github.com/gcat-dev/gcat/pkg/dtls"
	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/listen"
	"github.com/gcat-dev/gcat/pkg/relay"
	"github.com/gcat-dev/gcat/pkg/vsock"
)

// vsockListener adapts a vsock listener to acceptor.
type vsockListener struct {
	ln *vsock.Listener
}

func listenVsock(host string, port int) (acceptor, error) {
	cid := uint32(vsock.CIDAny)
	if host != "" {
		c, err := vsock.ParseCID(host)
		if err != nil {
			return nil, err
		}
		cid = c
	}
	ln, err := vsock.Listen(cid, uint32(port))
	if err != nil {
		return nil, err
	}
	return &vsockListener{ln: ln}, nil
}

func (v *vsockListener) Accept(ctx context.Context) (net.Conn, error) {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := v.ln.Accept()
		ch <- res{c, err}
	}()
	select {
	case a := <-ch:
		return a.c, a.err
	case <-ctx.Done():
		v.ln.Close()
		if a := <-ch; a.c != nil {
			a.c.Close()
		}
		return nil, ctx.Err()
	}
}

func (v *vsockListener) Addrs() []net.Addr { return []net.Addr{v.ln.Addr()} }
func (v *vsockListener) Close() error      { return v.ln.Close() }

// acceptor hands out connections: a stream listener, or a datagram
// listener's sessions, one per peer.
type acceptor interface {
	Accept(ctx context.Context) (net.Conn, error)
	Addrs() []net.Addr
	// Close stops accepting; connections already handed out go on.
	Close() error
}

// maxPeers bounds the UDP peers served at once, as ncat's -m default of 100
// bounds connections.
const maxPeers = 100

// udpExpire is how long a UDP peer of a -k server may stay silent before its
// session ends (its child's stdin is closed), unless -i says otherwise.
const udpExpire = 60 * time.Second

func (r *runner) openListener(ctx context.Context) (acceptor, error) {
	cfg := r.cfg
	o := listen.Options{Unix: cfg.Unix, Host: cfg.Host, Port: cfg.Port, Family: cfg.Family, NoDNS: cfg.NoDNS}
	switch {
	case cfg.Vsock:
		return listenVsock(cfg.Host, cfg.Port)
	case cfg.UDP:
		pcs, err := listen.ListenPacket(ctx, o)
		if err != nil {
			return nil, err
		}
		opt := dgram.Options{MaxPeers: maxPeers}
		if cfg.MaxConns > 0 {
			opt.MaxPeers = cfg.MaxConns
		}
		if cfg.KeepOpen {
			opt.Expire = udpExpire
			if cfg.IdleTimeout > 0 {
				opt.Expire = cfg.IdleTimeout
			}
		}
		if r.log.level >= 2 {
			opt.Dropped = func(from net.Addr, why string) {
				r.log.debug("dropped a datagram from %s: %s", from, why)
			}
		}
		dl := dgram.Listen(pcs, opt)
		if r.serverTLS == nil {
			return dl, nil
		}
		return dtls.NewListener(dl, r.serverTLS, dtls.ListenOptions{
			Failed: func(err error) { r.log.info("Failed DTLS connection: %v", err) },
		})
	}
	return listen.Listen(ctx, o)
}

func (r *runner) listen(ctx context.Context) error {
	cfg := r.cfg
	ln, err := r.openListener(ctx)
	if err != nil {
		return err
	}
	defer ln.Close()
	for _, a := range ln.Addrs() {
		r.log.info("Listening on %s", a)
	}
	if (cfg.KeepOpen || cfg.ProxyServer.Type != "") && !cfg.Broker && cfg.MaxConns > 0 && !cfg.UDP {
		r.slots = make(chan struct{}, cfg.MaxConns)
	}
	switch {
	case cfg.ProxyServer.Type != "":
		return r.listenProxy(ctx, ln)
	case cfg.Broker:
		return r.listenBroker(ctx, ln)
	case !cfg.KeepOpen:
		return r.listenOnce(ctx, ln)
	case cfg.Exec != nil:
		return r.listenExec(ctx, ln)
	default:
		return r.listenHub(ctx, ln)
	}
}

// accept waits for a connection that --allow and --deny admit, and logs
// it. Refused peers are closed before anything is read from them.
func (r *runner) accept(ctx context.Context, ln acceptor) (net.Conn, error) {
	for {
		c, err := ln.Accept(ctx)
		if err == nil {
			if !r.admit(c.RemoteAddr()) {
				r.log.info("New connection from %s denied: not allowed", c.RemoteAddr())
				c.Close()
				continue
			}
			r.logConnection(c)
			return c, nil
		}
		if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		r.log.info("accept: %v", err) // EMFILE and the like: keep serving
	}
}

// admit applies --allow and --deny to a peer. Unix and vsock peers have no
// IP address: the lists do not apply to them.
func (r *runner) admit(a net.Addr) bool {
	if r.cfg.Access == nil {
		return true
	}
	var ip netip.Addr
	switch t := a.(type) {
	case *net.TCPAddr:
		ip = t.AddrPort().Addr()
	case *net.UDPAddr:
		ip = t.AddrPort().Addr()
	default:
		return true
	}
	return r.cfg.Access.Admit(ip.Unmap())
}

// take reserves a slot for a -k connection (-m); when all are taken the
// connection is closed at once, as ncat does.
func (r *runner) take(c net.Conn) bool {
	if r.slots == nil {
		return true
	}
	select {
	case r.slots <- struct{}{}:
		return true
	default:
		r.log.info("New connection from %s denied: connection limit reached (%d)", c.RemoteAddr(), cap(r.slots))
		c.Close()
		return false
	}
}

// release frees the slot of a connection from peer that has ended.
func (r *runner) release(peer net.Addr) {
	r.log.debug("Connection from %s ended.", peer)
	if r.slots != nil {
		<-r.slots
	}
}

func (r *runner) logConnection(c net.Conn) {
	switch c.RemoteAddr().(type) {
	case *net.UnixAddr:
		r.log.info("Connection from a client on Unix domain socket.")
	default:
		r.log.info("Connection from %s.", c.RemoteAddr())
	}
}

// listenOnce serves a single connection, then exits, as ncat -l does.
func (r *runner) listenOnce(ctx context.Context, ln acceptor) error {
	var c net.Conn
	for c == nil {
		raw, err := r.accept(ctx, ln)
		if err != nil {
			return err
		}
		// A client that fails the TLS handshake is not the one
		// connection this server is for: wait for the next.
		if c, err = r.secure(ctx, raw); err != nil {
			r.log.error("Failed SSL connection: %v", err)
		}
	}
	defer c.Close()
	ln.Close() // later clients are refused, not left in the backlog
	start := time.Now()
	st, err := r.serve(ctx, c, r.stdio(false))
	r.log.info("%d bytes sent, %d bytes received in %.2f seconds.", st.Sent, st.Received, time.Since(start).Seconds())
	if errors.Is(err, relay.ErrIdleTimeout) {
		err = &StatusError{Status: 2, Err: err} // as ncat -l -i
	}
	return err
}

// listenExec gives every connection its own child, concurrently.
func (r *runner) listenExec(ctx context.Context, ln acceptor) error {
	r.checkFDLimit(3)
	return r.serveEach(ctx, ln, func(c net.Conn) {
		defer c.Close()
		// A connection's failure ends that connection only. One that
		// could not start its child is an error the user must see; the
		// rest (resets and the like) are shown at -v.
		_, err := r.serve(ctx, c, stdio{})
		var se *gexec.StartError
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.As(err, &se):
			r.log.error("%v", err)
		default:
			r.log.info("%s: %v", c.RemoteAddr(), err)
		}
	})
}

// serveEach accepts connections until ctx ends and handles each in its own
// goroutine, after -m and the TLS handshake; it returns once all handlers
// have.
func (r *runner) serveEach(ctx context.Context, ln acceptor, handle func(net.Conn)) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := r.accept(ctx, ln)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if !r.take(c) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.release(c.RemoteAddr())
			c, err := r.secure(ctx, c)
			if err != nil {
				r.log.info("Failed SSL connection: %v", err)
				return
			}
			handle(c)
		}()
	}
}
