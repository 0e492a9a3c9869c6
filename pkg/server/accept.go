package server

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/gcat-dev/gcat/pkg/neterr"
)

// Backoff bounds for accept failures, as net/http's server uses.
const (
	minAcceptDelay = 5 * time.Millisecond
	maxAcceptDelay = time.Second
)

// accept waits for the next connection that Admit lets in. A failure that
// says the process or the system is short of something (descriptors,
// memory, buffers) does not end the server: the first of a run is logged,
// accepting backs off, and goes on once the shortage is over.
func (s *server) accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := s.ln.Accept(s.ctx)
		if err == nil {
			if delay > 0 {
				s.log.Infof("accepting connections again")
				delay = 0
			}
			if s.admit(c) {
				return c, nil
			}
			continue
		}
		switch {
		case s.ctx.Err() != nil:
			return nil, s.ctx.Err()
		case !transient(err):
			return nil, err
		case delay == 0 && !errors.Is(err, syscall.ECONNABORTED):
			s.log.Errorf("accept: %v; new connections wait until that changes", neterr.Cause(err))
		}
		delay = min(max(2*delay, minAcceptDelay), maxAcceptDelay)
		if !sleep(s.ctx, delay) {
			return nil, s.ctx.Err()
		}
	}
}

// transient reports whether an accept failure may go away by itself.
func transient(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.EINTR, syscall.EPROTO, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// admit applies Options.Admit to c, closing a refused peer before anything
// is read from it.
func (s *server) admit(c net.Conn) bool {
	if s.opt.Admit == nil || s.opt.Admit(c.RemoteAddr()) {
		return true
	}
	s.log.refused("New connection from %s denied: not allowed", c.RemoteAddr())
	c.Close()
	return false
}
