package server

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gcat-dev/gcat/pkg/neterr"
)

// HandshakeError is a connection whose handshake failed. It ends a Once
// server; otherwise it is only logged.
type HandshakeError struct {
	Name string   // Options.HandshakeName: "SSL", "DTLS"...
	Peer net.Addr // who failed it
	Err  error    // why
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("failed %s connection from %s: %v", e.Name, e.Peer, e.Err)
}

func (e *HandshakeError) Unwrap() error { return e.Err }

// Unremarkable marks a handshake failure that is a normal step of a
// protocol — a client told to authenticate goes away to do so — which the
// pipeline does not log.
type Unremarkable struct{ Err error }

func (e *Unremarkable) Error() string { return e.Err.Error() }
func (e *Unremarkable) Unwrap() error { return e.Err }

// errShed is the reason of a handshake the pipeline gave up on to make room.
var errShed = errors.New("shed: too many unfinished handshakes")

// handshake runs Options.Handshake on c within the handshake deadline,
// counted among the unfinished handshakes until it ends.
func (s *server) handshake(c net.Conn) (net.Conn, error) {
	h, shed := s.pending.add(c)
	if shed != nil {
		s.log.refused("Shed the unfinished %s handshake of %s: %d handshakes under way", s.opt.HandshakeName, shed.peer, s.opt.MaxHandshakes)
	}
	ctx, cancel := s.ctx, context.CancelFunc(func() {})
	if t := s.opt.HandshakeTimeout; t > 0 {
		ctx, cancel = context.WithTimeout(s.ctx, t)
		// A deadline on the socket, not only on ctx: a peer that
		// trickles a byte at a time cannot extend it.
		c.SetDeadline(time.Now().Add(t))
	}
	defer cancel()
	tc, err := s.opt.Handshake(ctx, c)
	wasShed := s.pending.remove(h)
	if err == nil && !wasShed {
		c.SetDeadline(time.Time{})
		return tc, nil
	}
	c.Close()
	switch {
	case wasShed:
		err = errShed
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		// A bare timeout says which bound expired; a handshake that
		// said more (a DTLS peer that sent no DTLS) keeps its words.
		err = &neterr.TimeoutError{After: s.opt.HandshakeTimeout, Err: err}
	}
	herr := &HandshakeError{Name: s.opt.HandshakeName, Peer: h.peer, Err: err}
	var quiet *Unremarkable
	if s.ctx.Err() == nil && !wasShed && !s.opt.Once && !errors.As(err, &quiet) {
		s.log.refused("Failed %s connection from %s: %v", herr.Name, herr.Peer, herr.Err)
	}
	return nil, herr
}

// pending holds the unfinished handshakes, oldest first, so that the oldest
// can be shed when a new one does not fit.
type pending struct {
	mu     sync.Mutex
	max    int
	list   list.List // of *handshaking
	closed bool
}

// handshaking is one unfinished handshake.
type handshaking struct {
	c    net.Conn
	peer net.Addr
	elem *list.Element
	shed bool // guarded by pending.mu
}

func newPending(max int) *pending { return &pending{max: max} }

// add registers c's handshake. When max are under way already, the oldest
// is shed: its connection is closed, which ends its handshake, and it is
// returned for the log.
func (p *pending) add(c net.Conn) (h, shed *handshaking) {
	h = &handshaking{c: c, peer: c.RemoteAddr()}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		h.shed = true
		c.Close()
		return h, nil
	}
	if p.list.Len() >= p.max {
		shed = p.list.Remove(p.list.Front()).(*handshaking)
		shed.elem, shed.shed = nil, true
		shed.c.Close()
	}
	h.elem = p.list.PushBack(h)
	return h, shed
}

// remove ends h's handshake and reports whether it was shed meanwhile.
func (p *pending) remove(h *handshaking) (shed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h.elem != nil {
		p.list.Remove(h.elem)
		h.elem = nil
	}
	return h.shed
}

// closeAll abandons every unfinished handshake (the server is stopping)
// and refuses new ones.
func (p *pending) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for e := p.list.Front(); e != nil; e = e.Next() {
		h := e.Value.(*handshaking)
		h.shed = true
		h.c.Close()
	}
}
