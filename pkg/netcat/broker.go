package netcat

import (
	"context"
	"syscall"

	"github.com/gcat-dev/gcat/pkg/broker"
)

// listenBroker is --broker and --chat: what a client sends goes to every
// other client, stdin to all of them; nothing goes to stdout (as ncat).
func (r *runner) listenBroker(ctx context.Context, ln acceptor) error {
	r.checkFDLimit(1)
	b := broker.New(broker.Options{
		Chat: r.cfg.Chat,
		// ncat numbers chat users by their file descriptor: after stdio
		// and its listening sockets. gcat numbers them the same way.
		FirstUser: 3 + len(ln.Addrs()),
		Logf:      func(format string, args ...any) { r.log.info(format, args...) },
	})
	defer b.Close()
	std := r.stdio(true)
	go b.FromLocal(r.filters.sent(std.in))
	for {
		c, err := r.accept(ctx, ln)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if r.cfg.MaxConns > 0 && b.Len() >= r.cfg.MaxConns {
			r.log.info("New connection from %s denied: connection limit reached (%d)", c.RemoteAddr(), r.cfg.MaxConns)
			c.Close()
			continue
		}
		if r.serverTLS == nil {
			b.Add(r.filters.received(c))
			continue
		}
		go func() {
			tc, err := r.secure(ctx, c)
			if err != nil {
				r.log.info("Failed SSL connection: %v", err)
				return
			}
			b.Add(r.filters.received(tc))
		}()
	}
}

// checkFDLimit says at -v when the descriptor limit is too low for -m
// connections of perConn descriptors each (a socket; with -e also the two
// pipes to the child). Go raises the soft limit to the hard one at start.
func (r *runner) checkFDLimit(perConn int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if need := uint64(r.cfg.MaxConns*perConn) + 16; lim.Cur < need {
		r.log.info("the open file limit is %d (hard limit %d): about %d of the %d connections -m allows can be served at once; raise it with ulimit -n",
			lim.Cur, lim.Max, (lim.Cur-16)/uint64(perConn), r.cfg.MaxConns)
	}
}
