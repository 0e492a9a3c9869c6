package netcat

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/gcat-dev/gcat/pkg/activation"
	"github.com/gcat-dev/gcat/pkg/dgram"
	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/neterr"
	"github.com/gcat-dev/gcat/pkg/relay"
	"github.com/gcat-dev/gcat/pkg/server"
)

// inetd serves what inetd handed over on descriptor 0 (--inetd): the one
// accepted connection, or with -u the service's datagram socket, exactly
// as listen mode serves an accepted connection — through the pipeline, so
// --allow/--deny, --ssl, -o/-x and --rate apply — with the child of -e, or
// relayed to the target given as operands.
func (r *runner) inetd(ctx context.Context) error {
	h := r.handover
	var ln server.Listener
	if h.Conn != nil {
		ln = &handedConn{c: h.Conn, closed: make(chan struct{})}
	} else {
		ln = dgram.Listen([]net.PacketConn{h.PacketConn}, r.dgramOptions())
	}
	opt := r.serverOptions()
	opt.Once, opt.MaxConns = true, 0
	err := server.Serve(ctx, ln, opt, func(ctx context.Context, c net.Conn) func() error {
		return func() error {
			defer c.Close()
			if r.exec != nil {
				_, err := r.session(ctx, c, stdio{})
				return err
			}
			return r.forward(ctx, c)
		}
	})
	return err
}

// forward relays c, the connection inetd handed over, to the target, with
// half-close both ways: what systemd-socket-proxyd does. c plays the part
// stdin and stdout play in connect mode.
func (r *runner) forward(ctx context.Context, c net.Conn) error {
	cfg := r.cfg
	target, err := dial.Dial(ctx, dial.Options{
		Unix: cfg.Unix, Host: cfg.Host, Port: cfg.Port, Family: cfg.Family,
		NoDNS: cfg.NoDNS, Source: cfg.Source, SourcePort: cfg.SourcePort,
		Timeout: cfg.ConnectTimeout, UDP: cfg.UDP,
	})
	if err != nil {
		return err
	}
	if cfg.UDP {
		target = datagramConn(target, cfg.Source)
	}
	defer target.Close()
	r.log.Infof("Connected to %s.", target.RemoteAddr())
	conn := r.filters.received(target)
	opt := policy(&r.cfg, localConn)
	opt.Debugf = r.log.debugFunc()
	_, err = relay.Run(ctx, conn.(relay.Conn), r.filters.sent(c), c, opt)
	var re *relay.Error
	if errors.As(err, &re) && re.Side != relay.Connection {
		return neterr.New(neterr.OpConnection, c.RemoteAddr().String(), re)
	}
	return r.sessionError(target, stdioNames, err)
}

// errRefusedPeer ends --inetd when --allow/--deny refused its connection.
var errRefusedPeer = errors.New("inetd mode: the connection handed over was refused (--allow, --deny)")

// handedConn is a Listener whose one connection is inetd's.
type handedConn struct {
	mu     sync.Mutex
	c      net.Conn
	closed chan struct{}
	once   sync.Once
}

func (h *handedConn) Accept(ctx context.Context) (net.Conn, error) {
	h.mu.Lock()
	c := h.c
	h.c = nil
	h.mu.Unlock()
	if c != nil {
		return c, nil
	}
	return nil, errRefusedPeer // taken already: its peer was refused
}

func (h *handedConn) Addrs() []net.Addr { return nil }

func (h *handedConn) Close() error {
	h.once.Do(func() { close(h.closed) })
	return nil
}

// reported says err in the log when the log is not stderr.
func (r *runner) reported(err error) error {
	if err == nil || !r.log.syslog {
		return err
	}
	r.log.Errorf("%v", err)
	return &ReportedError{Err: err}
}

// takeInetd takes over descriptor 0 for --inetd, before gcat writes
// anything: with inetd and xinetd stderr is the connection too, and must
// not carry a byte of gcat's.
func (r *runner) takeInetd() error {
	h, err := activation.Inetd(activation.Options{Datagram: r.cfg.UDP})
	if err != nil {
		return configErr(err)
	}
	if h.StderrWasConn {
		r.logToSyslog()
	}
	r.handover = h
	return nil
}
