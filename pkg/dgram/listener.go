package dgram

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Options are a Listener's limits.
type Options struct {
	// MaxPeers bounds the sessions alive at once; datagrams from further
	// peers are dropped until one ends. Zero means no bound.
	MaxPeers int
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
	sock int
	peer string
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
		l.route(s, append([]byte(nil), buf[:n]...), from, dst)
	}
}

// route hands a datagram to its peer's session, starting one for a new peer.
func (l *Listener) route(s *socket, data []byte, from net.Addr, dst net.IP) {
	key := sessionKey{s.idx, from.String()}
	l.mu.Lock()
	sess := l.sessions[key]
	if sess == nil {
		switch {
		case !l.accepting:
			l.mu.Unlock()
			l.dropped(from, "not accepting new peers")
			return
		case l.opt.MaxPeers > 0 && l.live >= l.opt.MaxPeers:
			l.mu.Unlock()
			l.dropped(from, "too many peers")
			return
		}
		sess = newSession(l, s, from, key)
		sess.setDst(dst) // before Accept can hand it out and it Writes
		select {
		case l.newc <- sess:
		default:
			l.mu.Unlock()
			l.dropped(from, "too many new peers waiting")
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
		l.dropped(from, "its session's queue is full")
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

// socket is one listening socket, with the control messages that tell which
// local address a datagram was sent to, so that the reply comes from it.
type socket struct {
	idx int
	pc  net.PacketConn
	p4  *ipv4.PacketConn
	p6  *ipv6.PacketConn
}

func newSocket(idx int, pc net.PacketConn) *socket {
	s := &socket{idx: idx, pc: pc}
	if a, ok := pc.LocalAddr().(*net.UDPAddr); ok {
		if a.IP.To4() != nil {
			p := ipv4.NewPacketConn(pc)
			if p.SetControlMessage(ipv4.FlagDst, true) == nil {
				s.p4 = p
			}
		} else {
			p := ipv6.NewPacketConn(pc)
			if p.SetControlMessage(ipv6.FlagDst, true) == nil {
				s.p6 = p
			}
		}
	}
	return s
}

func (s *socket) read(b []byte) (n int, from net.Addr, dst net.IP, err error) {
	switch {
	case s.p4 != nil:
		var cm *ipv4.ControlMessage
		n, cm, from, err = s.p4.ReadFrom(b)
		if cm != nil {
			dst = cm.Dst
		}
	case s.p6 != nil:
		var cm *ipv6.ControlMessage
		n, cm, from, err = s.p6.ReadFrom(b)
		if cm != nil {
			dst = cm.Dst
		}
	default:
		n, from, err = s.pc.ReadFrom(b)
	}
	if err == nil && isNil(from) {
		// A Unix datagram from an unbound socket: nobody to answer.
		from = &net.UnixAddr{Net: "unixgram"}
	}
	return n, from, dst, err
}

func isNil(a net.Addr) bool {
	u, ok := a.(*net.UnixAddr)
	return a == nil || ok && u == nil
}

func (s *socket) write(b []byte, src net.IP, to net.Addr) (int, error) {
	switch {
	case s.p4 != nil && src != nil:
		return s.p4.WriteTo(b, &ipv4.ControlMessage{Src: src}, to)
	case s.p6 != nil && src != nil:
		return s.p6.WriteTo(b, &ipv6.ControlMessage{Src: src}, to)
	}
	return s.pc.WriteTo(b, to)
}

// Session is one peer of a Listener, as a net.Conn: Read returns the peer's
// datagrams, Write sends datagrams to it from the address it wrote to.
type Session struct {
	l    *Listener
	s    *socket
	peer net.Addr
	key  sessionKey

	rmu     sync.Mutex // serialises Reads, which own pending and expired
	in      chan []byte
	pending []byte // the rest of a datagram longer than a Read's buffer
	last    atomic.Int64
	dst     atomic.Pointer[net.IP]
	rd      deadline

	closed    chan struct{}
	closeOnce sync.Once
	expired   bool
}

func newSession(l *Listener, s *socket, peer net.Addr, key sessionKey) *Session {
	sess := &Session{l: l, s: s, peer: peer, key: key, in: make(chan []byte, queueLen), closed: make(chan struct{})}
	sess.last.Store(time.Now().UnixNano())
	sess.rd.init()
	return sess
}

func (s *Session) setDst(ip net.IP) {
	if ip != nil {
		s.dst.Store(&ip)
	}
}

func (s *Session) localIP() net.IP {
	if p := s.dst.Load(); p != nil {
		return *p
	}
	return nil
}

// Read returns the next datagram (or what a shorter buffer leaves of it).
// It returns io.EOF once the peer has been silent for the Listener's Expire.
func (s *Session) Read(p []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	// Closed or past the deadline, fail even with data waiting.
	select {
	case <-s.closed:
		return 0, net.ErrClosed
	case <-s.rd.wait():
		return 0, os.ErrDeadlineExceeded
	default:
	}
	if len(s.pending) > 0 {
		n := copy(p, s.pending)
		s.pending = s.pending[n:]
		return n, nil
	}
	for {
		if s.expired {
			// Forgotten: what is queued is the last the peer sent.
			select {
			case d := <-s.in:
				return s.take(p, d), nil
			default:
				return 0, io.EOF
			}
		}
		var expire <-chan time.Time
		var timer *time.Timer
		if e := s.l.opt.Expire; e > 0 {
			left := time.Until(time.Unix(0, s.last.Load()).Add(e))
			if left <= 0 {
				s.expired = true
				s.l.forget(s, false)
				continue
			}
			timer = time.NewTimer(left)
			expire = timer.C
		}
		select {
		case d := <-s.in:
			stopTimer(timer)
			return s.take(p, d), nil
		case <-s.closed:
			stopTimer(timer)
			return 0, net.ErrClosed
		case <-s.rd.wait():
			stopTimer(timer)
			return 0, os.ErrDeadlineExceeded
		case <-expire:
		}
	}
}

func (s *Session) take(p, d []byte) int {
	n := copy(p, d)
	s.pending = d[n:]
	return n
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// Write sends p to the peer as one datagram, or several of MaxDatagram
// bytes.
func (s *Session) Write(p []byte) (int, error) {
	select {
	case <-s.closed:
		return 0, net.ErrClosed
	default:
	}
	return split(p, func(b []byte) (int, error) { return s.s.write(b, s.localIP(), s.peer) })
}

// CloseWrite does nothing: datagrams have no end-of-stream to pass on.
func (s *Session) CloseWrite() error { return nil }

// Close ends the session: the peer's next datagram starts a new one, if the
// Listener still accepts.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.l.forget(s, true)
	})
	return nil
}

// LocalAddr is the address the peer sent to.
func (s *Session) LocalAddr() net.Addr {
	a := s.s.pc.LocalAddr()
	if u, ok := a.(*net.UDPAddr); ok {
		if ip := s.localIP(); ip != nil {
			return &net.UDPAddr{IP: ip, Port: u.Port}
		}
	}
	return a
}

// RemoteAddr is the peer's address.
func (s *Session) RemoteAddr() net.Addr { return s.peer }

// SetDeadline sets the read deadline; writes do not wait for the peer.
func (s *Session) SetDeadline(t time.Time) error { return s.SetReadDeadline(t) }

// SetReadDeadline makes a pending and future Read fail with
// os.ErrDeadlineExceeded once t has passed.
func (s *Session) SetReadDeadline(t time.Time) error {
	s.rd.set(t)
	return nil
}

// SetWriteDeadline does nothing: a datagram is handed to the kernel at once.
func (s *Session) SetWriteDeadline(time.Time) error { return nil }

// deadline is a channel closed when a settable time passes, as net.Pipe's.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{}
}

func (d *deadline) init() { d.ch = make(chan struct{}) }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch // the timer has fired: wait for its close
	}
	d.timer = nil
	select {
	case <-d.ch:
		d.ch = make(chan struct{})
	default:
	}
	if t.IsZero() {
		return
	}
	if dur := time.Until(t); dur > 0 {
		ch := d.ch
		d.timer = time.AfterFunc(dur, func() { close(ch) })
		return
	}
	close(d.ch)
}

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}
