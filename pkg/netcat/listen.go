package netcat

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/gcat-dev/gcat/internal/sys"
	"github.com/gcat-dev/gcat/pkg/dgram"
	"github.com/gcat-dev/gcat/pkg/hostspec"
	"github.com/gcat-dev/gcat/pkg/listen"
	"github.com/gcat-dev/gcat/pkg/server"
)

// udpExpire is how long a UDP peer of a -k server may stay silent before its
// session ends (its child's stdin is closed), unless -i says otherwise.
const udpExpire = 60 * time.Second

// listen serves cfg's listening mode on pkg/server's pipeline.
func (r *runner) listen(ctx context.Context) error {
	ln, err := r.openListener(ctx)
	if err != nil {
		return err
	}
	for _, a := range ln.Addrs() {
		r.log.Infof("Listening on %s", a)
	}
	// Only now, with the socket listening, the work that may wait: a
	// script that connects as soon as it has started gcat finds it
	// listening, and its connection waits in the backlog meanwhile.
	if err := r.resolveAccess(ctx); err != nil {
		ln.Close()
		return err
	}
	return r.serveMode(ctx, ln)
}

// openListener opens the sockets cfg names: TCP, Unix or vsock stream
// listeners, or UDP and Unix datagram sockets whose peers are sessions;
// or takes those a service manager handed over.
func (r *runner) openListener(ctx context.Context) (server.Listener, error) {
	if ln, err := r.inherited(); ln != nil || err != nil {
		return ln, err
	}
	cfg := r.cfg
	o := listen.Options{Unix: cfg.Unix, Host: cfg.Host, Port: cfg.Port, Family: cfg.Family, NoDNS: cfg.NoDNS}
	switch {
	case cfg.Vsock:
		return listenVsock(cfg.Host, cfg.Port)
	case cfg.UDP:
		pcs, err := listen.ListenPacket(ctx, o)
		if err != nil {
			return nil, err
		}
		return dgram.Listen(pcs, r.dgramOptions()), nil
	}
	return listen.Listen(ctx, o)
}

func (r *runner) dgramOptions() dgram.Options {
	var opt dgram.Options
	if r.cfg.KeepOpen {
		opt.Expire = udpExpire
		if r.cfg.IdleTimeout > 0 {
			opt.Expire = r.cfg.IdleTimeout
		}
	}
	if r.log.level >= 2 {
		opt.Dropped = func(from net.Addr, why string) {
			r.log.Debugf("dropped a datagram from %s: %s", from, why)
		}
	}
	return opt
}

// serverOptions are the pipeline's policies for cfg: --allow/--deny, -m,
// the TLS or DTLS handshake.
func (r *runner) serverOptions() server.Options {
	o := server.Options{Admit: r.admit, MaxConns: r.cfg.MaxConns, HandshakeTimeout: r.cfg.HandshakeTimeout, Log: r.log}
	switch {
	case r.serverTLS == nil:
	case r.cfg.UDP:
		o.Handshake, o.HandshakeName = r.dtlsHandshake, "DTLS"
	default:
		o.Handshake, o.HandshakeName = r.tlsHandshake, "SSL"
	}
	return o
}

// resolveAccess reads and resolves --allow, --deny and their files.
func (r *runner) resolveAccess(ctx context.Context) error {
	if r.cfg.Access.empty() {
		return nil
	}
	a, err := buildAccess(ctx, r.cfg.Access, r.cfg.NoDNS)
	if err != nil {
		return configErr(err)
	}
	r.access = a
	return nil
}

// admit applies --allow and --deny to a peer. Unix and vsock peers have no
// IP address: the lists do not apply to them.
func (r *runner) admit(a net.Addr) bool {
	if r.access == nil {
		return true
	}
	var ip netip.Addr
	switch t := a.(type) {
	case *net.TCPAddr:
		ip = t.AddrPort().Addr()
	case *net.UDPAddr:
		ip = t.AddrPort().Addr()
	default:
		return true
	}
	return r.access.Admit(ip.Unmap())
}

// resolveTimeout bounds the name lookups of --allow and --deny host names.
const resolveTimeout = 30 * time.Second

// buildAccess parses the host specs of a, reading its files and resolving
// names.
func buildAccess(ctx context.Context, a Access, noDNS bool) (*hostspec.Access, error) {
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	p := &hostspec.Parser{NoDNS: noDNS}
	var lists [4]*hostspec.List
	for i, src := range []struct {
		name  string
		specs []string
		file  bool
	}{{"allow", a.Allow, false}, {"allowfile", a.AllowFiles, true}, {"deny", a.Deny, false}, {"denyfile", a.DenyFiles, true}} {
		for _, v := range src.specs {
			l, err := parseSpec(ctx, p, v, src.file)
			if err != nil {
				return nil, fmt.Errorf("--%s: %w", src.name, err)
			}
			lists[i] = hostspec.Join(lists[i], l)
		}
	}
	acc := &hostspec.Access{}
	if len(a.Allow)+len(a.AllowFiles) > 0 {
		acc.Allow = hostspec.Join(lists[0], lists[1])
	}
	if len(a.Deny)+len(a.DenyFiles) > 0 {
		acc.Deny = hostspec.Join(lists[2], lists[3])
	}
	return acc, nil
}

func parseSpec(ctx context.Context, p *hostspec.Parser, v string, file bool) (*hostspec.List, error) {
	if !file {
		return p.ParseArg(ctx, v)
	}
	f, err := os.Open(v)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return p.ParseFile(ctx, f, v)
}

// checkFDLimit says at -v when the descriptor limit is too low for -m
// connections of perConn descriptors each. Go raises the soft limit to the
// hard one at start.
func (r *runner) checkFDLimit(perConn int) {
	cur, hard, err := sys.FileLimit()
	if err != nil {
		return
	}
	if need := uint64(r.cfg.MaxConns*perConn) + 16; cur < need {
		r.log.Infof("the open file limit is %d (hard limit %d): about %d of the %d connections -m allows can be served at once; raise it with ulimit -n",
			cur, hard, (cur-16)/uint64(perConn), r.cfg.MaxConns)
	}
}
