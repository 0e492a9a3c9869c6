package netcat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/gcat-dev/gcat/pkg/dgram"
	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/relay"
)

// connect is connect mode: one connection, relayed with stdio or a child.
func (r *runner) connect(ctx context.Context) error {
	if len(r.cfg.ZeroPorts) > 1 {
		return r.scan(ctx)
	}
	start := time.Now()
	conn, err := r.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if r.cfg.Unix != "" {
		r.log.Infof("Connected to %s.", r.cfg.Unix)
	} else {
		r.log.Infof("Connected to %s.", conn.RemoteAddr())
	}
	var st relay.Stats
	if r.cfg.Zero {
		st, err = r.zero(conn)
	} else {
		st, err = r.session(ctx, conn, r.stdio(false))
	}
	r.logStats(st, start)
	return err
}

// dial makes the connection connect mode relays: TCP, UDP, a Unix stream
// or datagram socket, or vsock; through a proxy; with TLS or DTLS.
func (r *runner) dial(ctx context.Context) (net.Conn, error) {
	cfg := r.cfg
	var c net.Conn
	var err error
	switch {
	case cfg.Vsock:
		return r.dialVsock(ctx)
	case cfg.Proxy.Host != "":
		c, err = r.dialProxy(ctx)
	default:
		c, err = dial.Dial(ctx, dial.Options{
			Unix: cfg.Unix, Host: cfg.Host, Port: cfg.Port, Family: cfg.Family,
			NoDNS: cfg.NoDNS, Source: cfg.Source, SourcePort: cfg.SourcePort,
			Timeout: cfg.ConnectTimeout, UDP: cfg.UDP,
		})
	}
	switch {
	case err != nil:
		return nil, err
	case cfg.TLS:
		return r.secureClient(ctx, c)
	case cfg.UDP:
		return datagramConn(c, cfg.Source), nil
	}
	return c, nil
}

// datagramConn makes a connected datagram socket a stream of datagrams.
// The temporary directory of a Unix datagram client's reply socket goes
// with it.
func datagramConn(c net.Conn, source string) net.Conn {
	bound := dial.Bound(c)
	if bound != "" && source == "" {
		return &tempDirConn{dgram.NewConn(c, bound), filepath.Dir(bound)}
	}
	return dgram.NewConn(c, bound)
}

type tempDirConn struct {
	*dgram.Conn
	dir string
}

func (c *tempDirConn) Close() error {
	err := c.Conn.Close()
	os.Remove(c.dir)
	return err
}

// zeroProbe is what -z sends over UDP, as ncat does: one zero byte.
var zeroProbe = []byte{0}

// udpZeroWait is how long -z waits for a UDP port to refuse the probe.
const udpZeroWait = 2 * time.Second

// zero is -z: the port is open if the connection was made. Over UDP, where
// "connected" means nothing, a probe is sent and the port counts as open
// unless the peer's host answers that nothing listens there (ICMP port
// unreachable, seen as ECONNREFUSED) within udpZeroWait.
func (r *runner) zero(conn net.Conn) (relay.Stats, error) {
	if !r.cfg.UDP {
		return relay.Stats{}, nil
	}
	if _, err := conn.Write(zeroProbe); err != nil {
		return relay.Stats{}, r.sessionError(conn, stdioNames, &relay.Error{Side: relay.Connection, Err: err})
	}
	st := relay.Stats{Sent: int64(len(zeroProbe))}
	r.log.Infof("UDP packet sent successfully")
	wait := udpZeroWait
	if r.cfg.IdleTimeout > 0 {
		wait = r.cfg.IdleTimeout
	}
	conn.SetReadDeadline(time.Now().Add(wait))
	n, err := conn.Read(make([]byte, dgram.MaxDatagram))
	st.Received = int64(n)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return st, r.sessionError(conn, stdioNames, &relay.Error{Side: relay.Connection, Err: err})
	}
	return st, nil
}

// errNoneOpen ends a -z scan of several ports that found none open.
var errNoneOpen = errors.New("no port open")

// scan is -z over several ports, in turn, as OpenBSD nc does: -v says each
// open port; the status is 0 if any is open. The reason a port is closed
// is for -vv.
func (r *runner) scan(ctx context.Context) error {
	open := false
	for _, port := range r.cfg.ZeroPorts {
		r.cfg.Port = port
		conn, err := r.dial(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			r.log.Debugf("%v", err)
			continue
		}
		open = true
		r.log.Infof("Connected to %s.", conn.RemoteAddr())
		conn.Close()
	}
	if !open {
		return fmt.Errorf("-z %s: %w", r.cfg.Host, errNoneOpen)
	}
	return nil
}
