package netcat

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/listen"
)

func (r *runner) listen(ctx context.Context) error {
	cfg := r.cfg
	ln, err := listen.Listen(ctx, listen.Options{
		Unix: cfg.Unix, Host: cfg.Host, Port: cfg.Port, Family: cfg.Family, NoDNS: cfg.NoDNS,
	})
	if err != nil {
		return err
	}
	defer ln.Close()
	for _, a := range ln.Addrs() {
		r.log.info("Listening on %s", a)
	}
	switch {
	case !cfg.KeepOpen:
		return r.listenOnce(ctx, ln)
	case cfg.Exec != nil:
		return r.listenExec(ctx, ln)
	default:
		return r.listenHub(ctx, ln)
	}
}

// accept waits for a connection and logs it.
func (r *runner) accept(ctx context.Context, ln *listen.Listener) (net.Conn, error) {
	for {
		c, err := ln.Accept(ctx)
		if err == nil {
			r.logConnection(c)
			return c, nil
		}
		if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		r.log.info("accept: %v", err) // EMFILE and the like: keep serving
	}
}

func (r *runner) logConnection(c net.Conn) {
	if _, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		r.log.info("Connection from %s.", c.RemoteAddr())
	} else {
		r.log.info("Connection from a client on Unix domain socket.")
	}
}

// listenOnce serves a single connection, then exits, as ncat -l does.
func (r *runner) listenOnce(ctx context.Context, ln *listen.Listener) error {
	c, err := r.accept(ctx, ln)
	if err != nil {
		return err
	}
	defer c.Close()
	ln.Close() // later clients are refused, not left in the backlog
	start := time.Now()
	st, err := r.serve(ctx, c, r.stdio(false))
	r.log.info("%d bytes sent, %d bytes received in %.2f seconds.", st.Sent, st.Received, time.Since(start).Seconds())
	return err
}

// listenExec gives every connection its own child, concurrently.
func (r *runner) listenExec(ctx context.Context, ln *listen.Listener) error {
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			// A connection's failure ends that connection only. One
			// that could not start its child is an error the user must
			// see; the rest (resets and the like) are shown at -v.
			_, err := r.serve(ctx, c, stdio{})
			var se *gexec.StartError
			switch {
			case err == nil || ctx.Err() != nil:
			case errors.As(err, &se):
				r.log.error("%v", err)
			default:
				r.log.info("%s: %v", c.RemoteAddr(), err)
			}
		}()
	}
}
