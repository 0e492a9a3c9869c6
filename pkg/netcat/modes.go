package netcat

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/gcat-dev/gcat/pkg/broker"
	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/ptyexec"
	"github.com/gcat-dev/gcat/pkg/relay"
	"github.com/gcat-dev/gcat/pkg/server"
)

// serveMode runs the listening mode cfg asks for. Each is a handler on the
// same pipeline; what differs is what a connection is handed to, and what
// the mode keeps around it (a hub, a broker).
func (r *runner) serveMode(ctx context.Context, ln server.Listener) error {
	switch {
	case r.cfg.ProxyServer.Type != "":
		return r.serveProxy(ctx, ln)
	case r.cfg.Broker:
		return r.serveBroker(ctx, ln)
	case !r.cfg.KeepOpen:
		return r.serveOnce(ctx, ln)
	case r.exec != nil:
		// Measured: the socket, the child's two pipes, two pidfds and a
		// splice pipe pair while data flows.
		r.checkFDLimit(7)
		return server.Serve(ctx, ln, r.serverOptions(), r.execHandler)
	}
	return r.serveHub(ctx, ln)
}

// serveOnce serves a single connection, then exits, as ncat -l does.
func (r *runner) serveOnce(ctx context.Context, ln server.Listener) error {
	opt := r.serverOptions()
	opt.Once, opt.MaxConns = true, 0
	return server.Serve(ctx, ln, opt, func(ctx context.Context, c net.Conn) func() error {
		return func() error {
			defer c.Close()
			start := time.Now()
			st, err := r.session(ctx, c, r.stdio(false))
			r.logStats(st, start)
			if errors.Is(err, relay.ErrIdleTimeout) {
				err = &StatusError{Status: 2, Err: err} // as ncat -l -i
			}
			return err
		}
	})
}

// execHandler gives every connection its own child (-lk -e/-c/--lua-exec).
// A connection's failure ends that connection only; one that could not
// start its child is an error the user must see, the rest (resets and the
// like) are for -v.
func (r *runner) execHandler(ctx context.Context, c net.Conn) func() error {
	return func() error {
		defer c.Close()
		_, err := r.session(ctx, c, stdio{})
		var se *gexec.StartError
		var pe *ptyexec.StartError
		if errors.As(err, &se) || errors.As(err, &pe) {
			r.log.Errorf("%v", err)
			return nil
		}
		return err
	}
}

// hubMaxQueue is how far a hub client may fall behind the fastest before it
// is dropped. stdin goes at the fastest client's pace, so only a client that
// stalls, or is far slower than the others, gets that far.
const hubMaxQueue = 16 << 20

// serveHub is -lk without -e, as in ncat: what any client sends goes to
// stdout, and stdin goes to every client, through the broker's bounded
// queue: a client that stops reading is dropped when it falls too far
// behind, and never holds up the others.
func (r *runner) serveHub(ctx context.Context, ln server.Listener) error {
	r.checkFDLimit(1)
	std := r.stdio(true)
	b := broker.New(broker.Options{
		Output: std.out,
		OutputFailed: func(err error) {
			r.fatal(writeError(stdoutName, err))
		},
		EndWithLocal: !r.cfg.NoShutdown,
		MaxQueue:     hubMaxQueue,
		SendOnly:     r.cfg.SendOnly,
		RecvOnly:     r.cfg.RecvOnly,
		Logf:         r.log.Infof,
	})
	return r.serveFanOut(ctx, ln, b, std)
}

// serveBroker is --broker and --chat: what a client sends goes to every
// other client, stdin to all of them; nothing goes to stdout (as ncat).
func (r *runner) serveBroker(ctx context.Context, ln server.Listener) error {
	r.checkFDLimit(1)
	b := broker.New(broker.Options{
		Chat: r.cfg.Chat,
		// ncat numbers chat users by their file descriptor: after stdio
		// and its listening sockets. gcat numbers them the same way.
		FirstUser: 3 + len(ln.Addrs()),
		SendOnly:  r.cfg.SendOnly,
		RecvOnly:  r.cfg.RecvOnly,
		Logf:      r.log.Infof,
	})
	return r.serveFanOut(ctx, ln, b, r.stdio(true))
}

// serveFanOut serves a hub or a broker: every connection joins b, in the
// order they are ready, and stdin feeds it.
func (r *runner) serveFanOut(ctx context.Context, ln server.Listener, b *broker.Broker, std stdio) error {
	in := r.filters.sent(std.in)
	if r.cfg.RecvOnly {
		// Nothing is sent: stdin is closed unread, as ncat closes it,
		// so that its writer learns it at once (EPIPE).
		closeStdin(std.in, r.cfg.Stdin)
	}
	local := make(chan struct{})
	go func() {
		defer close(local)
		b.FromLocal(in)
	}()
	err := server.Serve(ctx, ln, r.serverOptions(), func(ctx context.Context, c net.Conn) func() error {
		done := b.Add(r.filters.received(c))
		return func() error {
			select {
			case <-done:
			case <-ctx.Done():
			}
			return nil
		}
	})
	b.Close()
	if stopReader(in) {
		<-local
	}
	return err
}

// serveProxy is -l --proxy-type: every client is served by the proxy
// server, concurrently, until gcat is stopped (with or without -k, as in
// ncat). Reading a client's request is the pipeline's handshake: a client
// that never finishes one does not hold a -m slot.
func (r *runner) serveProxy(ctx context.Context, ln server.Listener) error {
	hs, err := r.proxyHandshake(ln.Addrs())
	if err != nil {
		return err
	}
	opt := r.serverOptions()
	opt.Handshake, opt.HandshakeName = hs, "proxy"
	return server.Serve(ctx, ln, opt, func(ctx context.Context, c net.Conn) func() error {
		return func() error {
			return c.(*proxied).serve(ctx)
		}
	})
}

// logStats is ncat's summary line at -v.
func (r *runner) logStats(st relay.Stats, start time.Time) {
	r.log.Infof("%d bytes sent, %d bytes received in %.2f seconds.", st.Sent, st.Received, time.Since(start).Seconds())
}
