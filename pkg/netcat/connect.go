package netcat

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gcat-dev/gcat/pkg/dgram"
	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/relay"
	"github.com/gcat-dev/gcat/pkg/vsock"
)

// dial makes the connection connect mode relays: TCP, UDP, a Unix stream
// or datagram socket, or vsock.
func (r *runner) dial(ctx context.Context) (net.Conn, error) {
	cfg := r.cfg
	if cfg.Vsock {
		return r.dialVsock(ctx)
	}
	if cfg.Proxy.Host != "" {
		c, err := r.dialProxy(ctx)
		if err == nil && cfg.TLS {
			return r.clientTLS(ctx, c, net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
		}
		return c, err
	}
	c, err := dial.Dial(ctx, dial.Options{
		Unix: cfg.Unix, Host: cfg.Host, Port: cfg.Port, Family: cfg.Family,
		NoDNS: cfg.NoDNS, Source: cfg.Source, SourcePort: cfg.SourcePort,
		Timeout: cfg.ConnectTimeout, UDP: cfg.UDP,
	})
	if err == nil && cfg.TLS && cfg.UDP {
		return r.clientDTLS(ctx, c, net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	}
	if err == nil && cfg.TLS {
		return r.clientTLS(ctx, c, net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	}
	if err != nil || !cfg.UDP {
		return c, err
	}
	bound := dial.Bound(c)
	if bound != "" && cfg.Source == "" {
		// The temporary directory of the reply socket goes with it.
		return &tempDirConn{dgram.NewConn(c, bound), filepath.Dir(bound)}, nil
	}
	return dgram.NewConn(c, bound), nil
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

func (r *runner) dialVsock(ctx context.Context) (net.Conn, error) {
	cid, err := vsock.ParseCID(r.cfg.Host)
	if err != nil {
		return nil, err
	}
	if r.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.cfg.ConnectTimeout)
		defer cancel()
	}
	return vsock.Dial(ctx, cid, uint32(r.cfg.Port))
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
		return relay.Stats{}, r.peerError(conn, err)
	}
	st := relay.Stats{Sent: int64(len(zeroProbe))}
	r.log.info("UDP packet sent successfully")
	wait := udpZeroWait
	if r.cfg.IdleTimeout > 0 {
		wait = r.cfg.IdleTimeout
	}
	conn.SetReadDeadline(time.Now().Add(wait))
	n, err := conn.Read(make([]byte, dgram.MaxDatagram))
	st.Received = int64(n)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return st, r.peerError(conn, err)
	}
	return st, nil
}

// peerError says a network error in terms of the peer.
func (r *runner) peerError(conn net.Conn, err error) error {
	var oe *net.OpError
	if !errors.As(err, &oe) {
		return err
	}
	peer := conn.RemoteAddr().String()
	if r.cfg.Unix != "" {
		peer = r.cfg.Unix
	}
	if r.cfg.Vsock && !strings.Contains(peer, ":") {
		peer = r.cfg.Host
	}
	return &connError{peer: peer, err: dial.Reason(err)}
}

type connError struct {
	peer string
	err  error
}

func (e *connError) Error() string { return "connection with " + e.peer + ": " + e.err.Error() }
func (e *connError) Unwrap() error { return e.err }
