package main

import (
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gcat-dev/gcat/pkg/netcat"
)

// proxyFrom reads --proxy, --proxy-type, --proxy-auth and --proxy-dns: the
// proxy connect mode goes through, or, with -l, the proxy server gcat is.
func proxyFrom(c *cli.Context, cfg *netcat.Config) error {
	typ := strings.ToLower(c.String("proxy-type"))
	switch typ {
	case "", "http", "socks4", "socks5":
	case "socks4a":
		typ = "socks4" // SOCKS4a is SOCKS4 with a host name: --proxy-dns decides
	default:
		return usagef("invalid proxy type %q: want http, socks4 or socks5", c.String("proxy-type"))
	}
	raw, user, pass, hasAuth := proxyAuth(c)
	if hasAuth && user == "" && (typ == "socks4" || typ == "socks5") {
		return usagef("--proxy-auth %q: SOCKS needs a user name", raw)
	}
	if cfg.Listen {
		return proxyServerFrom(c, cfg, typ, netcat.ProxyServer{Type: typ, Credentials: raw, User: user, Pass: pass, Auth: hasAuth})
	}
	if !c.IsSet("proxy") {
		if typ != "" || c.IsSet("proxy-auth") || c.IsSet("proxy-dns") {
			return usagef("proxy options (--proxy-type, --proxy-auth, --proxy-dns) need a proxy address (--proxy)")
		}
		return nil
	}
	if typ == "" {
		typ = "http"
	}
	p := netcat.Proxy{Type: typ, Credentials: raw, User: user, Pass: pass, Auth: hasAuth, DNS: "remote"}
	// A user without a password: netcat asks for it on the terminal, as
	// ssh would, when there is one.
	p.AskPass = hasAuth && typ != "socks4" && user != "" && !strings.Contains(raw, ":")
	if err := proxyClientFrom(c, cfg, &p); err != nil {
		return err
	}
	cfg.Proxy = p
	return nil
}

// proxyServerFrom checks the proxy server -l --proxy-type makes gcat.
func proxyServerFrom(c *cli.Context, cfg *netcat.Config, typ string, ps netcat.ProxyServer) error {
	switch {
	case c.IsSet("proxy"):
		return usagef("invalid option combination: --proxy and -l (to be a proxy server, give -l --proxy-type)")
	case c.IsSet("proxy-dns"):
		return usagef("invalid option combination: --proxy-dns and -l")
	case typ == "":
		if ps.Auth && c.IsSet("proxy-auth") {
			return usagef("--proxy-auth with -l needs --proxy-type")
		}
		return nil
	case hasExec(cfg):
		return usagef("invalid option combination: a proxy server (-l --proxy-type) cannot run -e, -c or --lua-exec")
	case cfg.UDP || c.Bool("unixsock"):
		return usagef("a proxy server listens on TCP: --proxy-type cannot be used with -u or -U")
	case typ == "socks4" && ps.Pass != "":
		return usagef("--proxy-auth: a SOCKS4 server checks a user name only (give --proxy-auth USER)")
	}
	cfg.ProxyServer = ps
	return nil
}

// proxyClientFrom reads the proxy connect mode goes through into p.
func proxyClientFrom(c *cli.Context, cfg *netcat.Config, p *netcat.Proxy) error {
	switch {
	case cfg.UDP:
		return usagef("invalid option combination: --proxy and -u")
	case c.Bool("unixsock"):
		return usagef("invalid option combination: --proxy and -U")
	case cfg.Vsock:
		return usagef("invalid option combination: --proxy and --vsock")
	}
	if c.IsSet("proxy-dns") {
		p.DNS = strings.ToLower(c.String("proxy-dns"))
		switch p.DNS {
		case "local", "remote", "both", "none":
		default:
			return usagef("invalid --proxy-dns %q: want local, remote, both or none", c.String("proxy-dns"))
		}
	}
	defPort := 1080
	if p.Type == "http" {
		defPort = 3128
	}
	var err error
	if p.Host, p.Port, err = proxyAddr(c.String("proxy"), defPort); err != nil {
		return err
	}
	if p.Type == "socks4" && p.Pass != "" {
		return usagef("--proxy-auth: SOCKS4 sends a user name only (give --proxy-auth USER)")
	}
	return nil
}

// authValue is --proxy-auth, or NCAT_PROXY_AUTH when the option is absent.
func authValue(c *cli.Context) string {
	if c.IsSet("proxy-auth") {
		return c.String("proxy-auth")
	}
	return os.Getenv("NCAT_PROXY_AUTH")
}

// proxyAuth reads --proxy-auth, or NCAT_PROXY_AUTH without it: the
// credentials exactly as given (ncat sends them so in Basic: "a" is not
// "a:"), split at the first colon for SOCKS and Digest.
func proxyAuth(c *cli.Context) (raw, user, pass string, ok bool) {
	raw = authValue(c)
	if raw == "" && !c.IsSet("proxy-auth") {
		return "", "", "", false
	}
	user, pass, _ = strings.Cut(raw, ":")
	return raw, user, pass, true
}

// proxyAddr splits --proxy: host, host:port, [v6], [v6]:port or a bare v6
// address.
func proxyAddr(s string, defPort int) (string, int, error) {
	if s == "" {
		return "", 0, usagef("--proxy needs an address")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// No port: a name, an IPv4 address, [v6] or a bare v6 address.
		host = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		if strings.ContainsAny(host, "[]") {
			return "", 0, usagef("invalid --proxy address %q", s)
		}
		return host, defPort, nil
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, usagef("invalid port in --proxy %q", s)
	}
	if host == "" {
		return "", 0, usagef("invalid --proxy address %q: no host", s)
	}
	return host, p, nil
}
