package netcat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/httpproxy"
	"github.com/gcat-dev/gcat/pkg/socks"
)

// dialProxy connects to the target through cfg.Proxy: it dials the proxy
// itself (so that the tunnel is a real TCP connection, half-close and all)
// and runs the proxy's handshake over it.
func (r *runner) dialProxy(ctx context.Context) (net.Conn, error) {
	cfg, p := r.cfg, r.cfg.Proxy
	proxyAddr := net.JoinHostPort(p.Host, strconv.Itoa(p.Port))
	toProxy := func(ctx context.Context) (net.Conn, error) {
		c, err := dial.Dial(ctx, dial.Options{
			Host: p.Host, Port: p.Port, Family: cfg.Family, NoDNS: cfg.NoDNS,
			Source: cfg.Source, SourcePort: cfg.SourcePort, Timeout: cfg.ConnectTimeout,
		})
		if err != nil {
			// The proxy clients name the proxy: "connect to ADDR" once
			// is enough.
			if inner := errors.Unwrap(err); inner != nil && strings.HasPrefix(err.Error(), "connect to ") {
				return nil, inner
			}
			return nil, err
		}
		return c, nil
	}
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
	network := ""
	switch cfg.Family {
	case 4:
		network = "ip4"
	case 6:
		network = "ip6"
	}
	target, err := socks.Resolve(ctx, cfg.Host, uint16(cfg.Port), socks.ResolveOptions{Version: version, Mode: mode, Network: network})
	if err != nil {
		return nil, fmt.Errorf("%s proxy %s: %w", p.Type, proxyAddr, err)
	}
	r.log.info("Connecting to %s through %s proxy %s.", target, p.Type, proxyAddr)
	if p.Type == "http" {
		var auth *httpproxy.Auth
		if p.Auth {
			auth = &httpproxy.Auth{User: p.User, Pass: p.Pass}
		}
		client := &httpproxy.Client{Proxy: proxyAddr, Dial: toProxy, Auth: auth}
		return client.Connect(ctx, target.String())
	}
	c, err := toProxy(ctx)
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

// listenProxy is -l --proxy-type: every client is served by the proxy
// server, concurrently, until gcat is stopped (with or without -k, as in
// ncat).
func (r *runner) listenProxy(ctx context.Context, ln acceptor) error {
	ps := r.cfg.ProxyServer
	var serve func(context.Context, net.Conn) error
	switch ps.Type {
	case "http":
		conf := httpproxy.ServerConfig{}
		if ps.Auth {
			conf.Auth = &httpproxy.Auth{User: ps.User, Pass: ps.Pass}
		}
		serve = func(ctx context.Context, c net.Conn) error { return httpproxy.Serve(ctx, c, conf) }
	case "socks4", "socks5":
		conf := socks.ServerConfig{Version: 5, Debugf: r.log.debugFunc()}
		if ps.Type == "socks4" {
			conf.Version = 4
		}
		if ps.Auth {
			conf.Auth = &socks.Auth{User: ps.User, Password: ps.Pass}
		}
		serve = func(ctx context.Context, c net.Conn) error { return socks.Serve(ctx, c, conf) }
	default:
		return fmt.Errorf("unknown proxy server type %q", ps.Type)
	}
	return r.serveEach(ctx, ln, func(c net.Conn) {
		peer := c.RemoteAddr()
		if err := serve(ctx, c); err != nil && ctx.Err() == nil && !errors.Is(err, httpproxy.ErrAuthRequired) {
			r.log.info("%s: %v", peer, err)
		}
	})
}
