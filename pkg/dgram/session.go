package dgram

import (
	"io"
	"net"
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
