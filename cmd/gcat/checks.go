package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gcat-dev/gcat/pkg/netcat"
	"github.com/gcat-dev/gcat/pkg/ratelimit"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
	"github.com/gcat-dev/gcat/pkg/vsock"
)

// refuse rejects ncat options gcat recognises but cannot honour, with the
// reason, instead of an "unknown flag".
func refuse(c *cli.Context, _ *netcat.Config) error {
	if err := unsupported(c); err != nil {
		return err
	}
	if c.IsSet("g") || c.IsSet("G") {
		// Linux accepts the IP option but every Linux router and host
		// drops source-routed packets by default
		// (net.ipv4.conf.*.accept_source_route=0): a connection that
		// silently never completes would be worse than a refusal.
		return usagef("loose source routing (-g, -G) is not supported: Linux, the BSDs, macOS and Windows drop source-routed packets by default")
	}
	if c.Bool("sctp") {
		return usagef("--sctp is not supported by gcat: use TCP, or ncat for SCTP")
	}
	return nil
}

// combinations refuses what ncat refuses together, in gcat's words.
func combinations(c *cli.Context, cfg *netcat.Config) error {
	switch {
	case cfg.Listen && cfg.Source != "":
		return usagef("-l and -s are incompatible; give the address to listen on as an operand")
	case cfg.Zero && cfg.Listen:
		return usagef("-z cannot be used with -l: zero-I/O mode reports on a port to connect to")
	case cfg.Zero && hasExec(cfg):
		return usagef("-z cannot be used with -e, -c or --lua-exec")
	case cfg.Zero && cfg.Telnet:
		return usagef("-z and -t are incompatible")
	case cfg.Broker && hasExec(cfg):
		return usagef("invalid option combination: --broker (or --chat) and -e, -c or --lua-exec")
	case cfg.Broker && cfg.UDP:
		return usagef("--broker and --chat work over TCP and Unix sockets, not with -u")
	case cfg.Broker && cfg.ProxyServer.Type != "":
		return usagef("invalid option combination: --broker and --proxy-type")
	case cfg.SendOnly && cfg.RecvOnly:
		return usagef("--send-only and --recv-only are incompatible")
	case cfg.Vsock && c.Bool("unixsock"):
		return usagef("--vsock and -U are incompatible")
	case cfg.Vsock && cfg.UDP:
		return usagef("--vsock works with stream sockets only, not with -u")
	case cfg.TLS && c.Bool("unixsock"):
		return usagef("--ssl cannot be used with -U")
	case cfg.TLS && cfg.Vsock:
		return usagef("--ssl cannot be used with --vsock")
	case cfg.TLS && cfg.Zero:
		return usagef("-z and --ssl are incompatible")
	case c.IsSet("append-output") && cfg.Output == "" && cfg.HexDump == "":
		return usagef("--append-output needs -o or -x")
	}
	return nil
}

// tlsFrom reads the --ssl family. Every --ssl-* option implies --ssl, as in
// ncat.
func tlsFrom(c *cli.Context, cfg *netcat.Config) error {
	o := tlsconf.Options{
		CertFile:   c.String("ssl-cert"),
		KeyFile:    c.String("ssl-key"),
		Verify:     c.Bool("ssl-verify"),
		TrustFile:  c.String("ssl-trustfile"),
		ServerName: c.String("ssl-servername"),
		Ciphers:    c.String("ssl-ciphers"),
	}
	if c.IsSet("ssl-alpn") {
		for _, p := range strings.Split(c.String("ssl-alpn"), ",") {
			if p = strings.TrimSpace(p); p != "" {
				o.ALPN = append(o.ALPN, p)
			}
		}
		if len(o.ALPN) == 0 {
			return usagef("--ssl-alpn needs a comma-separated list of protocols")
		}
	}
	for _, o := range options {
		if strings.HasPrefix(o.long, "ssl") && c.IsSet(o.long) {
			cfg.TLS = true
		}
	}
	switch {
	case !cfg.TLS:
		return nil
	case (o.CertFile == "") != (o.KeyFile == ""):
		return usagef("--ssl-cert and --ssl-key must be used together")
	case o.Ciphers != "":
		if _, err := tlsconf.Ciphers(o.Ciphers); err != nil {
			return usagef("%v", err)
		}
	}
	cfg.TLSOptions = o
	return nil
}

// ratesFrom reads --rate (both ways), --rate-in and --rate-out.
func ratesFrom(c *cli.Context, cfg *netcat.Config) error {
	for _, r := range []struct {
		name string
		dst  []*int64
	}{
		{"rate", []*int64{&cfg.RateIn, &cfg.RateOut}},
		{"rate-in", []*int64{&cfg.RateIn}},
		{"rate-out", []*int64{&cfg.RateOut}},
	} {
		if !c.IsSet(r.name) {
			continue
		}
		bps, err := ratelimit.ParseRate(c.String(r.name))
		if err != nil {
			return usagef("--%s: %v", r.name, err)
		}
		for _, d := range r.dst {
			*d = bps
		}
	}
	return nil
}

// vsockTarget checks the CID operand of --vsock.
func vsockTarget(_ *cli.Context, cfg *netcat.Config) error {
	if !cfg.Vsock || cfg.Host == "" {
		return nil // listen on any CID
	}
	if _, err := vsock.ParseCID(cfg.Host); err != nil {
		return usagef("--vsock: %v", err)
	}
	return nil
}

// hasExec reports whether a child runs for each connection (-e, -c,
// --lua-exec).
func hasExec(cfg *netcat.Config) bool { return cfg.Exec != nil || cfg.LuaExec != "" }

// terminalFrom checks --pty, --raw and -T.
func terminalFrom(c *cli.Context, cfg *netcat.Config) error {
	switch {
	case cfg.Pty && cfg.Exec == nil:
		return usagef("--pty runs the program of -e or -c on a terminal: give one")
	case cfg.Pty && cfg.UDP:
		return usagef("--pty and -u are incompatible: a terminal is a stream")
	case cfg.Pty && cfg.CRLF:
		return usagef("--pty and -C are incompatible: the terminal translates line ends itself")
	case cfg.Raw && hasExec(cfg):
		return usagef("--raw and -T are for a terminal on stdin, not with -e, -c or --lua-exec")
	case cfg.Raw && (cfg.KeepOpen && cfg.Listen || cfg.Broker):
		return usagef("--raw and -T serve one connection at a terminal: not with -k or --broker")
	}
	return nil
}

// inetdFrom checks --inetd: one handed-over connection, served with a child
// or relayed to a target.
func inetdFrom(c *cli.Context, cfg *netcat.Config) error {
	if !cfg.Inetd {
		if c.IsSet("handshake-timeout") && !cfg.Listen {
			return usagef("--handshake-timeout is for listen mode (or --inetd)")
		}
		return nil
	}
	switch {
	case cfg.Listen || cfg.KeepOpen:
		return usagef("--inetd serves the one connection inetd hands over: not with -l, -k, --broker or --chat")
	case cfg.Zero || c.IsSet("proxy") || cfg.Raw:
		return usagef("--inetd cannot be used with -z, --proxy, --raw or -T")
	case hasExec(cfg) && c.Args().Len() > 0:
		return usagef("--inetd with -e, -c or --lua-exec takes no operands: the child serves the connection")
	case !hasExec(cfg) && c.Args().Len() == 0:
		return usagef("--inetd needs a program to run (-e, -c, --lua-exec) or a host and port to relay to")
	}
	return nil
}
