package dgram

import (
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Session is one peer of a Listener, as a net.Conn: Read returns the peer's
// datagrams, Write sends datagrams to it from the address it wrote to.
type Session struct {
	l    *Listener
	s    *socket
	peer net.Addr
	from peer // peer, as the socket gives and takes it
	key  sessionKey

	rmu     sync.Mutex // serialises Reads, which own pending and expired
	in      chan *[]byte
	pending []byte  // the rest of a datagram longer than a Read's buffer
	held    *[]byte // the buffer pending is in, recycled once it is read
	expiry  *time.Timer
	last    atomic.Int64
	src     atomic.Pointer[source] // where replies come from
	rd      deadline

	closed    chan struct{}
	closeOnce sync.Once
	expired   bool
}

func newSession(l *Listener, s *socket, from peer, key sessionKey) *Session {
	sess := &Session{l: l, s: s, peer: from.addr(), from: from, key: key, in: make(chan *[]byte, queueLen), closed: make(chan struct{})}
	sess.last.Store(time.Now().UnixNano())
	sess.rd.init()
	return sess
}

// setDst records the local address the peer's latest datagram was sent to,
// the source of the replies. It rarely changes: it is stored only when it
// does, so that a datagram costs no allocation here.
func (s *Session) setDst(a netip.Addr) {
	if !a.IsValid() {
		return
	}
	if cur := s.src.Load(); cur != nil && cur.addr == a {
		return
	}
	s.src.Store(s.s.source(a))
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
		if len(s.pending) == 0 {
			putBuf(s.held)
			s.held = nil
		}
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
		// Under load a datagram is already queued: no timer to arm.
		select {
		case d := <-s.in:
			return s.take(p, d), nil
		default:
		}
		var expire <-chan time.Time
		if e := s.l.opt.Expire; e > 0 {
			left := time.Until(time.Unix(0, s.last.Load()).Add(e))
			if left <= 0 {
				s.expired = true
				s.l.forget(s, false)
				continue
			}
			// One timer per session, reset per Read: since Go 1.23 a
			// stopped or reset timer delivers no stale tick.
			if s.expiry == nil {
				s.expiry = time.NewTimer(left)
			} else {
				s.expiry.Reset(left)
			}
			expire = s.expiry.C
		}
		select {
		case d := <-s.in:
			s.stopExpiry()
			return s.take(p, d), nil
		case <-s.closed:
			s.stopExpiry()
			return 0, net.ErrClosed
		case <-s.rd.wait():
			s.stopExpiry()
			return 0, os.ErrDeadlineExceeded
		case <-expire:
		}
	}
}

func (s *Session) take(p []byte, d *[]byte) int {
	n := copy(p, *d)
	if n == len(*d) {
		putBuf(d)
		return n
	}
	s.pending, s.held = (*d)[n:], d
	return n
}

func (s *Session) stopExpiry() {
	if s.expiry != nil {
		s.expiry.Stop()
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
	src := s.src.Load()
	return split(p, func(b []byte) (int, error) { return s.s.write(b, src, s.from) })
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
		if src := s.src.Load(); src != nil {
			return &net.UDPAddr{IP: src.addr.AsSlice(), Port: u.Port}
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

// pooled is the capacity of the recycled buffers that carry a datagram from
// the socket's read loop to its session: most datagrams fit, and a session
// relaying tens of thousands a second then allocates nothing per datagram.
const pooled = 2048

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, pooled); return &b }}

// getBuf returns a copy of d, in a recycled buffer if it fits one.
func getBuf(d []byte) *[]byte {
	if len(d) > pooled {
		b := append([]byte(nil), d...)
		return &b
	}
	b := bufPool.Get().(*[]byte)
	*b = append((*b)[:0], d...)
	return b
}

// putBuf recycles b, which nobody may use after.
func putBuf(b *[]byte) {
	if b != nil && cap(*b) == pooled {
		bufPool.Put(b)
	}
}
