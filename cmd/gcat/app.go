package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gcat-dev/gcat/internal/version"
	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/netcat"
	"github.com/gcat-dev/gcat/pkg/portspec"
	"github.com/gcat-dev/gcat/pkg/timespec"
)

// defaultPort is ncat's port when none is given.
const defaultPort = 31337

// run parses args and runs gcat. Until handled is closed nothing is
// written and nothing started: a closed stdout or stderr, a child, a raw
// terminal must all find signal handling set up.
func run(ctx context.Context, args []string, handled <-chan struct{}, stdout, stderr io.Writer) error {
	cfg, err := parse(args, gated{stdout, handled}, gated{stderr, handled})
	if cfg == nil || err != nil { // an error, or --help / --version done
		return err
	}
	<-handled
	return netcat.Run(ctx, *cfg)
}

// gated holds writes until ready is closed.
type gated struct {
	w     io.Writer
	ready <-chan struct{}
}

func (g gated) Write(p []byte) (int, error) {
	<-g.ready
	return g.w.Write(p)
}

// parse turns a command line into a Config. It returns a nil Config when
// the command line was fully handled (--help, --version).
func parse(args []string, stdout, stderr io.Writer) (*netcat.Config, error) {
	norm, err := normalize(args)
	if err != nil {
		return nil, err
	}
	var cfg *netcat.Config
	app := newApp(stdout, stderr, given(norm), func(c *cli.Context) error {
		conf, err := configFrom(c)
		cfg = conf
		return err
	})
	if err := app.Run(append([]string{"gcat"}, norm...)); err != nil {
		return nil, err
	}
	return cfg, nil
}

func init() {
	// urfave/cli answers its own -h/--help even with HideHelp set, and its
	// default version flag claims -v (ncat's verbose). gcat's option table
	// defines both itself.
	cli.HelpFlag = nil
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Hidden: true}
}

// given is the set of option names in a normalized command line.
func given(norm []string) map[string]bool {
	names := make(map[string]bool)
	for _, a := range norm {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		names[name] = true
	}
	return names
}

// newApp builds the urfave/cli application from the option table, with a
// flag for each option in used. Defining only the options given keeps
// start-up short — a hundred flags cost more than the parse — and changes
// nothing else: normalize has refused unknown options already, and an
// option not given reads as its zero value either way. Its own help and
// version flags are disabled: the default version flag claims -v, and the
// help text is ncat's layout.
func newApp(stdout, stderr io.Writer, used map[string]bool, action cli.ActionFunc) *cli.App {
	var flags []cli.Flag
	for _, o := range options {
		if !used[o.name()] {
			continue
		}
		if o.multi {
			flags = append(flags, &cli.StringSliceFlag{Name: o.name()})
		} else if o.arg {
			flags = append(flags, &cli.StringFlag{Name: o.name()})
		} else {
			flags = append(flags, &cli.BoolFlag{Name: o.name()})
		}
	}
	return &cli.App{
		Name:            "gcat",
		Flags:           flags,
		HideHelp:        true,
		HideHelpCommand: true,
		HideVersion:     true,
		Writer:          stdout,
		ErrWriter:       stderr,
		Action: func(c *cli.Context) error {
			switch {
			case c.Bool("help"):
				fmt.Fprint(stdout, helpText())
				return nil
			case c.Bool("version"):
				fmt.Fprintf(stdout, "gcat: %s\n", version.Banner()) // -v's first line
				return nil
			}
			return action(c)
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &usageError{err.Error()}
		},
	}
}

// configFrom turns parsed flags and operands into a netcat.Config, applying
// ncat's defaults and refusing ncat's incompatible combinations.
func configFrom(c *cli.Context) (*netcat.Config, error) {
	cfg := &netcat.Config{
		Listen:     c.Bool("listen"),
		KeepOpen:   c.Bool("keep-open"),
		NoDNS:      c.Bool("nodns"),
		NoShutdown: c.Bool("no-shutdown"),
		Verbose:    c.Count("verbose"),
		Source:     c.String("source"),
		UDP:        c.Bool("udp"),
		Vsock:      c.Bool("vsock"),
		Zero:       c.Bool("z"),
		SendOnly:   c.Bool("send-only"),
		RecvOnly:   c.Bool("recv-only"),
		CRLF:       c.Bool("crlf"),
		Telnet:     c.Bool("telnet"),
		Output:     c.String("output"),
		HexDump:    c.String("hex-dump"),
		Append:     c.Bool("append-output"),
		Progress:   c.Bool("progress"),
		Chat:       c.Bool("chat"),
		Inetd:      c.Bool("inetd"),
		Pty:        c.Bool("pty"),
		Raw:        c.Bool("raw") || c.Bool("terminal"),
		Terminal:   c.Bool("terminal"),
	}
	// -T is --raw and -t, with the window size.
	cfg.Telnet = cfg.Telnet || cfg.Terminal
	// --chat implies --broker, which implies -l, as in ncat.
	cfg.Broker = c.Bool("broker") || cfg.Chat
	cfg.Listen = cfg.Listen || cfg.Broker
	// Each step reads a group of options; the order decides which of
	// several mistakes is reported.
	for _, from := range []func(*cli.Context, *netcat.Config) error{
		refuse, familyFrom, execFrom, timesFrom, ratesFrom, tlsFrom,
		proxyFrom, accessFrom, combinations, terminalFrom, inetdFrom,
		targetFrom, vsockTarget,
	} {
		if err := from(c, cfg); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// familyFrom reads -4 and -6.
func familyFrom(c *cli.Context, cfg *netcat.Config) error {
	switch {
	case c.Bool("ipv4") && c.Bool("ipv6"):
		return usagef("-4 and -6 are incompatible")
	case c.Bool("ipv4"):
		cfg.Family = 4
	case c.Bool("ipv6"):
		cfg.Family = 6
	}
	return nil
}

func execFrom(c *cli.Context, cfg *netcat.Config) error {
	n := 0
	for _, name := range []string{"exec", "sh-exec", "lua-exec"} {
		if c.IsSet(name) {
			n++
		}
	}
	switch {
	case n > 1:
		return usagef("only one of --exec, --sh-exec and --lua-exec may be given")
	case c.IsSet("lua-exec"):
		cfg.LuaExec = c.String("lua-exec")
		if cfg.LuaExec == "" {
			return usagef("--lua-exec needs a script")
		}
	case c.IsSet("exec"):
		cfg.Exec = gexec.Split(c.String("exec"))
		if len(cfg.Exec) == 0 || cfg.Exec[0] == "" {
			return usagef("--exec: empty command")
		}
	case c.IsSet("sh-exec"):
		cfg.Exec = gexec.Shell(c.String("sh-exec"))
	}
	return nil
}

func timesFrom(c *cli.Context, cfg *netcat.Config) error {
	if c.IsSet("wait") {
		d, err := timespec.Parse(c.String("wait"))
		if err != nil || d <= 0 {
			return usagef("invalid -w timeout %q (must be greater than 0)", c.String("wait"))
		}
		cfg.ConnectTimeout = d
	}
	if c.IsSet("q") {
		d, err := timespec.Parse(c.String("q"))
		if err != nil {
			return usagef("invalid -q time %q", c.String("q"))
		}
		cfg.Quit, cfg.QuitAfter = d >= 0, d // negative: wait forever, as without -q
	}
	for _, t := range []struct {
		name, what string
		dst        *time.Duration
	}{
		{"idle-timeout", "-i timeout", &cfg.IdleTimeout},
		{"delay", "-d delay", &cfg.Delay},
		{"handshake-timeout", "--handshake-timeout", &cfg.HandshakeTimeout},
	} {
		if !c.IsSet(t.name) {
			continue
		}
		d, err := timespec.Parse(c.String(t.name))
		if err != nil || d <= 0 {
			return usagef("invalid %s %q (must be greater than 0)", t.what, c.String(t.name))
		}
		*t.dst = d
	}
	if c.IsSet("linger") {
		d, err := timespec.Parse(c.String("linger"))
		if err != nil {
			return usagef("invalid --linger time %q", c.String("linger"))
		}
		cfg.Idle = d
		if d == 0 {
			cfg.Idle = time.Nanosecond // zero would mean the default
		}
	}
	return nil
}

// targetFrom reads the operands: [host] [port] in TCP modes, a path with -U.
func targetFrom(c *cli.Context, cfg *netcat.Config) error {
	args := c.Args().Slice()
	cfg.AddrGiven = len(args) > 0 || c.IsSet("source-port")
	if c.Bool("unixsock") {
		return unixTarget(c, cfg, args)
	}
	port, portSet, err := portFrom(c, cfg)
	if err != nil {
		return err
	}
	if cfg.Zero && len(args) >= 2 && !cfg.UDP {
		return zeroPorts(cfg, args)
	}
	if len(args) > 2 {
		return usagef("too many operands: %q", args[2:])
	}
	if cfg.Listen && len(args) == 1 {
		if p, err := strconv.Atoi(args[0]); err == nil && p >= 0 {
			args = []string{"", args[0]} // "gcat -l 9999": a port, not a host
		}
	}
	if len(args) == 2 {
		if portSet {
			return usagef("got more than one port specification")
		}
		if port, err = parsePort(args[1]); err != nil {
			return err
		}
	}
	if len(args) > 0 {
		cfg.Host = args[0]
	}
	if !cfg.Listen && cfg.Host == "" && !(cfg.Inetd && hasExec(cfg)) {
		return usagef("you must specify a host to connect to")
	}
	if !cfg.Listen && port == 0 {
		return usagef("invalid port number 0")
	}
	cfg.Port = port
	return nil
}

// unixTarget reads -U's one operand, the socket's path.
func unixTarget(c *cli.Context, cfg *netcat.Config, args []string) error {
	switch {
	case len(args) != 1:
		return usagef("-U needs exactly one socket path")
	case args[0] == "":
		return usagef("-U needs a socket path, not an empty string")
	case c.IsSet("source-port"):
		return usagef("-p cannot be used with -U")
	}
	cfg.Unix = args[0]
	return nil
}

// portFrom is the port before the operands are read: ncat's default (the
// proxy servers' own), or -p, which with -l is the port to listen on
// (portSet) and otherwise the source port.
func portFrom(c *cli.Context, cfg *netcat.Config) (port int, portSet bool, err error) {
	port = defaultPort
	switch cfg.ProxyServer.Type {
	case "http":
		port = 3128 // ncat's HTTP proxy port
	case "socks4", "socks5":
		port = 1080
	}
	if !c.IsSet("source-port") {
		return port, false, nil
	}
	p, err := parsePort(c.String("source-port"))
	if err != nil {
		return 0, false, err
	}
	if cfg.Listen {
		return p, true, nil
	}
	cfg.SourcePort = p
	return port, false, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p > 65535 {
		return 0, usagef("invalid port number %q", s)
	}
	return p, nil
}

// zeroPorts reads -z's ports: one, a range, or lists and ranges as OpenBSD
// nc takes them (gcat -z host 20-25,80 443), each scanned in turn.
func zeroPorts(cfg *netcat.Config, args []string) error {
	spec := strings.Join(args[1:], ",")
	l, err := portspec.Parse(spec)
	if err != nil {
		return usagef("%v", err)
	}
	for p := range l.All() {
		cfg.ZeroPorts = append(cfg.ZeroPorts, int(p))
	}
	cfg.Host, cfg.Port = args[0], cfg.ZeroPorts[0]
	if len(cfg.ZeroPorts) == 1 {
		cfg.ZeroPorts = nil
	}
	return nil
}
