package dgram

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Options are a Listener's limits.
type Options struct {
	// Expire ends a session whose peer has sent nothing for this long:
	// its Read returns io.EOF, and the peer's next datagram starts a new
	// session. Zero means never.
	Expire time.Duration
	// Dropped, if set, is told of every datagram that is dropped and why.
	Dropped func(from net.Addr, why string)
}

// queueLen is how many datagrams wait for a session's reader before more
// are dropped, as a socket's receive buffer would drop them.
const queueLen = 512

// Listener receives on one or more datagram sockets and hands out a Session
// for each new peer.
type Listener struct {
	socks []*socket
	opt   Options
	newc  chan *Session
	stop  chan struct{} // closed by Close: no more sessions

	mu        sync.Mutex
	sessions  map[sessionKey]*Session // where the next datagram of a peer goes
	live      int                     // sessions not yet closed
	accepting bool

	stopOnce, shutOnce sync.Once
	wg                 sync.WaitGroup
}

type sessionKey struct {
	sock  int
	ap    netip.AddrPort // a UDP peer
	other string         // any other peer's address (a Unix datagram socket's)
}

func keyOf(s *socket, from peer) sessionKey {
	k := sessionKey{sock: s.idx, ap: from.ap}
	if from.other != nil {
		k.other = from.other.String()
	}
	return k
}

// Listen serves the datagram sockets pcs (UDP or Unix datagram). The
// Listener owns them: they are closed once the Listener is closed and its
// last session has ended.
func Listen(pcs []net.PacketConn, opt Options) *Listener {
	l := &Listener{
		opt:       opt,
		newc:      make(chan *Session, 64),
		stop:      make(chan struct{}),
		sessions:  map[sessionKey]*Session{},
		accepting: true,
	}
	for i, pc := range pcs {
		s := newSocket(i, pc)
		l.socks = append(l.socks, s)
		l.wg.Add(1)
		go l.readLoop(s)
	}
	return l
}

// Addrs returns the sockets' addresses.
func (l *Listener) Addrs() []net.Addr {
	var a []net.Addr
	for _, s := range l.socks {
		a = append(a, s.pc.LocalAddr())
	}
	return a
}

// Accept waits for the first datagram of a new peer and returns that peer's
// session, which has the datagram to read.
func (l *Listener) Accept(ctx context.Context) (net.Conn, error) {
	select {
	case s := <-l.newc:
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.stop:
		return nil, net.ErrClosed
	}
}

// Close stops accepting new peers: their datagrams are dropped. The sessions
// already handed out keep working; the sockets are closed when the last of
// them is closed (at once if there is none). Close may be called again.
func (l *Listener) Close() error {
	l.stopOnce.Do(func() { close(l.stop) })
	l.mu.Lock()
	l.accepting = false
	idle := l.live == 0
	l.mu.Unlock()
	// Sessions queued for Accept but never taken are nobody's: end them.
	for {
		select {
		case s := <-l.newc:
			s.Close()
			continue
		default:
		}
		break
	}
	if idle {
		l.shutdown()
	}
	return nil
}

// shutdown closes the sockets and waits for the read loops to end.
func (l *Listener) shutdown() {
	l.shutOnce.Do(func() {
		for _, s := range l.socks {
			s.pc.Close()
		}
		l.wg.Wait()
	})
}

func (l *Listener) readLoop(s *socket) {
	defer l.wg.Done()
	buf := make([]byte, 1<<16)
	for {
		n, from, dst, err := s.read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // an ICMP error reported on the socket, and the like
		}
		l.route(s, getBuf(buf[:n]), from, dst)
	}
}

// route hands a datagram to its peer's session, starting one for a new peer.
func (l *Listener) route(s *socket, data *[]byte, from peer, dst netip.Addr) {
	key := keyOf(s, from)
	l.mu.Lock()
	sess := l.sessions[key]
	if sess == nil {
		switch {
		case !l.accepting:
			l.mu.Unlock()
			putBuf(data)
			l.dropped(from.addr(), "not accepting new peers")
			return
		}
		sess = newSession(l, s, from, key)
		sess.setDst(dst) // before Accept can hand it out and it Writes
		select {
		case l.newc <- sess:
		default:
			l.mu.Unlock()
			putBuf(data)
			l.dropped(sess.peer, "too many new peers waiting")
			return
		}
		l.sessions[key] = sess
		l.live++
	}
	sess.setDst(dst)
	// Delivered under l.mu: once forget has run, nothing more reaches the
	// session, so what it has queued is all it will get.
	full := false
	select {
	case sess.in <- data:
		sess.last.Store(time.Now().UnixNano())
	default:
		full = true
	}
	l.mu.Unlock()
	if full {
		putBuf(data)
		l.dropped(sess.peer, "its session's queue is full")
	}
}

func (l *Listener) dropped(from net.Addr, why string) {
	if l.opt.Dropped != nil {
		l.opt.Dropped(from, why)
	}
}

// forget stops routing the peer's datagrams to s; closed says s is over.
func (l *Listener) forget(s *Session, closed bool) {
	l.mu.Lock()
	if l.sessions[s.key] == s {
		delete(l.sessions, s.key)
	}
	if closed {
		l.live--
	}
	last := closed && l.live == 0 && !l.accepting
	l.mu.Unlock()
	if last {
		l.shutdown()
	}
}
