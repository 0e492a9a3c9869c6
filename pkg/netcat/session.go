package netcat

import (
	"context"
	"fmt"
	"net"

	"github.com/gcat-dev/gcat/pkg/relay"
)

// session relays one connection with its local end: an exec child when
// there is one, else std (stdin and stdout), at a raw terminal with --raw.
// Errors name the stream they came from.
func (r *runner) session(ctx context.Context, conn net.Conn, std stdio) (relay.Stats, error) {
	switch {
	case r.exec != nil:
		return r.childSession(ctx, conn)
	case r.cfg.Raw:
		return r.rawSession(ctx, conn, std)
	}
	return r.relayStdio(ctx, r.filters.received(conn), std)
}

// relayStdio relays conn, read through the filters, with stdin and stdout.
func (r *runner) relayStdio(ctx context.Context, conn net.Conn, std stdio) (relay.Stats, error) {
	in, out := r.filters.sent(std.in), std.out
	if r.cfg.RecvOnly {
		in = nil
	}
	if r.cfg.SendOnly {
		out = discard{}
	}
	opt := policy(&r.cfg, std.kind())
	opt.Debugf = r.log.debugFunc()
	st, err := relay.Run(ctx, conn.(relay.Conn), in, out, opt)
	return st, r.sessionError(conn, stdioNames, err)
}

// childSession relays conn with a child of its own, then ends the child.
func (r *runner) childSession(ctx context.Context, conn net.Conn) (relay.Stats, error) {
	c, err := r.startChild(conn)
	if err != nil {
		return relay.Stats{}, err
	}
	r.log.Debugf("started %q, pid %d", r.exec, c.Pid())
	out := c.in
	if r.cfg.SendOnly {
		out = discard{}
	}
	opt := policy(&r.cfg, localChild)
	opt.Debugf = r.log.debugFunc()
	st, err := relay.Run(ctx, c.conn.(relay.Conn), r.filters.sent(c.out), out, opt)
	if ctx.Err() != nil {
		c.Kill()
	} else {
		conn.Close() // the peer sees the end now, not after the child's grace
		werr := c.Stop()
		r.log.Debugf("child %d ended: %v", c.Pid(), errOrExit0(werr))
	}
	return st, r.sessionError(c.conn, childNames(r.execName), err)
}

func errOrExit0(err error) any {
	if err == nil {
		return "exit status 0"
	}
	return err
}

// childEnv is ncat's environment for exec children.
func childEnv(c net.Conn, udp bool) []string {
	raddr, rport := hostPort(c.RemoteAddr())
	laddr, lport := hostPort(c.LocalAddr())
	proto := "TCP"
	if udp {
		proto = "UDP"
	}
	return []string{
		"NCAT_REMOTE_ADDR=" + raddr,
		"NCAT_REMOTE_PORT=" + rport,
		"NCAT_LOCAL_ADDR=" + laddr,
		"NCAT_LOCAL_PORT=" + lport,
		"NCAT_PROTO=" + proto,
	}
}

func hostPort(a net.Addr) (string, string) {
	switch t := a.(type) {
	case *net.TCPAddr:
		return t.IP.String(), fmt.Sprint(t.Port)
	case *net.UDPAddr:
		return t.IP.String(), fmt.Sprint(t.Port)
	}
	// Unix sockets: ncat says "localhost" and an empty port.
	return "localhost", ""
}

// discard is where --send-only puts what the peer sends. Unlike io.Discard
// it has no ReadFrom, so the relay still reads the connection chunk by chunk
// and can tell when it goes silent.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
