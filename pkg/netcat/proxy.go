package netcat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"golang.org/x/term"

	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/httpproxy"
	"github.com/gcat-dev/gcat/pkg/neterr"
	"github.com/gcat-dev/gcat/pkg/server"
	"github.com/gcat-dev/gcat/pkg/socks"
)

// dialProxy connects to the target through cfg.Proxy: it dials the proxy
// itself (so that the tunnel is a real TCP connection, half-close and all)
// and runs the proxy's handshake over it.
func (r *runner) dialProxy(ctx context.Context) (net.Conn, error) {
	cfg, p := r.cfg, r.cfg.Proxy
	proxyAddr := net.JoinHostPort(p.Host, strconv.Itoa(p.Port))
	if cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
	}
	version := 5
	if p.Type == "socks4" {
		version = 4
	}
	mode, err := socks.ParseDNSMode(p.DNS)
	if err != nil {
		return nil, err
	}
	network := map[int]string{4: "ip4", 6: "ip6"}[cfg.Family]
	target, err := socks.Resolve(ctx, cfg.Host, uint16(cfg.Port), socks.ResolveOptions{Version: version, Mode: mode, Network: network})
	if err != nil {
		return nil, fmt.Errorf("%s proxy %s: %w", p.Type, proxyAddr, err)
	}
	r.log.Infof("Connecting to %s through %s proxy %s.", target, p.Type, proxyAddr)
	if p.Type == "http" {
		var auth *httpproxy.Auth
		if p.Auth {
			auth = httpproxy.ParseAuth(p.Credentials)
		}
		client := &httpproxy.Client{Proxy: proxyAddr, Dial: r.toProxy, Auth: auth}
		return client.Connect(ctx, target.String())
	}
	c, err := r.toProxy(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s proxy %s: %w", p.Type, proxyAddr, err)
	}
	var auth *socks.Auth
	if p.Auth {
		auth = &socks.Auth{User: p.User, Password: p.Pass}
	}
	tc, err := socks.Connect(ctx, c, version, target, auth)
	if err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// toProxy opens a TCP connection to the proxy. Its failure is said by the
// proxy clients, which name the proxy: it is returned without the address.
func (r *runner) toProxy(ctx context.Context) (net.Conn, error) {
	cfg, p := r.cfg, r.cfg.Proxy
	c, err := dial.Dial(ctx, dial.Options{
		Host: p.Host, Port: p.Port, Family: cfg.Family, NoDNS: cfg.NoDNS,
		Source: cfg.Source, SourcePort: cfg.SourcePort, Timeout: cfg.ConnectTimeout,
	})
	var ne *neterr.Error
	if errors.As(err, &ne) && ne.Op == neterr.OpConnect {
		return nil, ne.Err
	}
	return c, err
}

// proxyHandshake is the pipeline's handshake for -l --proxy-type: the
// client's request, read and authorized (after TLS, with --ssl). It returns
// a proxied connection whose serve does the rest: connect to the target,
// answer, relay.
func (r *runner) proxyHandshake(addrs []net.Addr) (server.Handshake, error) {
	ps := r.cfg.ProxyServer
	var accept func(context.Context, net.Conn) (func(context.Context) error, error)
	switch ps.Type {
	case "http":
		// The pipeline's deadline bounds the request heads.
		conf := httpproxy.ServerConfig{Family: r.cfg.Family, Self: addrs, HeaderTimeout: -1}
		if ps.Auth {
			conf.Auth = httpproxy.ParseAuth(ps.Credentials)
		}
		accept = func(ctx context.Context, c net.Conn) (func(context.Context) error, error) {
			req, err := httpproxy.Accept(ctx, c, conf)
			if err != nil {
				return nil, err
			}
			return req.Serve, nil
		}
	case "socks4", "socks5":
		conf := socks.ServerConfig{Version: 5, HandshakeTimeout: -1, Debugf: r.log.debugFunc()}
		if ps.Type == "socks4" {
			conf.Version = 4
		}
		if ps.Auth {
			conf.Auth = &socks.Auth{User: ps.User, Password: ps.Pass}
		}
		accept = func(ctx context.Context, c net.Conn) (func(context.Context) error, error) {
			req, err := socks.Accept(ctx, c, conf)
			if err != nil {
				return nil, err
			}
			return req.Serve, nil
		}
	default:
		return nil, configErr(fmt.Errorf("unknown proxy server type %q", ps.Type))
	}
	return func(ctx context.Context, c net.Conn) (net.Conn, error) {
		if r.serverTLS != nil {
			tc, err := r.tlsHandshake(ctx, c)
			if err != nil {
				return nil, err
			}
			c = tc
		}
		serve, err := accept(ctx, c)
		if errors.Is(err, httpproxy.ErrAuthRequired) {
			// the normal first step of a client that authenticates
			return nil, &server.Unremarkable{Err: err}
		}
		if err != nil {
			return nil, err
		}
		return &proxied{Conn: c, serve: serve}, nil
	}, nil
}

// proxied is a proxy server's client whose request has been accepted.
type proxied struct {
	net.Conn
	serve func(context.Context) error
}

// prepareProxy asks for the proxy password on the terminal, when a user
// was given without one and there is a terminal to ask on, as ssh would; a
// script gets an empty password.
func (r *runner) prepareProxy() error {
	p := &r.cfg.Proxy
	if !p.AskPass || !term.IsTerminal(int(r.cfg.Stdin.Fd())) {
		return nil
	}
	tty, err := openTTY()
	if err != nil {
		return nil
	}
	defer tty.Close()
	fmt.Fprintf(tty, "Proxy password for %s at %s: ", p.User, net.JoinHostPort(p.Host, strconv.Itoa(p.Port)))
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return fmt.Errorf("reading the proxy password: %w", err)
	}
	if len(b) > 0 {
		p.Pass = string(b)
		p.Credentials = p.User + ":" + p.Pass
	}
	return nil
}
