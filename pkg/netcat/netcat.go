// Package netcat runs gcat's modes from a plain Config: connect or listen,
// over TCP or a Unix stream socket, relaying stdin/stdout or an -e/-c child,
// once or (-k) for many connections. It knows nothing of command lines.
package netcat

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/hostspec"
	"github.com/gcat-dev/gcat/pkg/relay"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// Version is gcat's version, printed by -v and --version.
const Version = "0.1.0"

// Config is everything a run needs. The zero value connects to nothing; the
// CLI fills in ncat's defaults (port 31337, -q off, ...).
type Config struct {
	Listen   bool
	KeepOpen bool // -k: listen for many connections; connect: outlive the peer's EOF

	Unix   string // -U: a Unix socket path instead of Host/Port
	Host   string // connect target, or listen address ("" = every address)
	Port   int
	Family int  // -4 / -6: 4 or 6; 0 for both
	UDP    bool // -u: datagrams (UDP, or Unix datagrams with Unix)
	Vsock  bool // --vsock: Host is a vsock CID
	Zero   bool // -z: connect, report, send nothing

	NoDNS          bool          // -n
	Source         string        // -s
	SourcePort     int           // -p in connect mode
	ConnectTimeout time.Duration // -w; zero: none

	// Exec is the child's argv for -e/-c; nil relays stdin and stdout.
	Exec []string

	NoShutdown bool // --no-shutdown
	// Quit/QuitAfter: -q, quit this long after stdin's EOF.
	Quit      bool
	QuitAfter time.Duration
	// Idle: how long stdin may stay silent after the peer's EOF; see
	// relay.Options.Idle. Zero: relay.DefaultIdle.
	Idle time.Duration

	// IdleTimeout ends a connection when no data has moved either way for
	// this long (-i); over UDP with -k it also expires silent peers.
	IdleTimeout time.Duration

	SendOnly, RecvOnly bool          // --send-only, --recv-only
	CRLF               bool          // -C: LF -> CRLF on what is sent
	Telnet             bool          // -t: answer telnet negotiations
	Delay              time.Duration // -d: pause between reads of what is sent

	// Output and HexDump name files that record the session (-o, -x);
	// Append appends to them instead of truncating (--append-output).
	Output, HexDump string
	Append          bool

	// RateIn and RateOut limit bytes per second received and sent
	// (--rate-in, --rate-out, --rate); zero: no limit.
	RateIn, RateOut int64
	// Progress shows a live transfer line on Stderr (--progress).
	Progress bool

	// MaxConns bounds the connections served at once in listen mode with
	// -k (-m); more are closed as soon as they are accepted. Zero: no
	// bound.
	MaxConns int
	// Access, if set, admits or refuses each peer in listen mode (--allow,
	// --deny and their files), before any byte is read.
	Access *hostspec.Access
	// Proxy, if its Host is set, is the proxy connect mode goes through
	// (--proxy and friends).
	Proxy Proxy
	// ProxyServer, if its Type is set, makes listen mode a proxy server
	// (-l --proxy-type), serving every client until stopped.
	ProxyServer ProxyServer

	// Broker and Chat are --broker and --chat.
	Broker, Chat bool

	// TLS wraps connections in TLS (--ssl), configured by TLSOptions.
	TLS        bool
	TLSOptions tlsconf.Options

	Verbose int // -v count

	// Stdin, Stdout and Stderr default to the process's own.
	Stdin  *os.File
	Stdout *os.File
	Stderr io.Writer
}

// Proxy is a proxy to connect through.
type Proxy struct {
	Type       string // "http", "socks4" or "socks5"
	Host       string
	Port       int
	Auth       bool // User and Pass are set (--proxy-auth, NCAT_PROXY_AUTH)
	User, Pass string
	// DNS is where the target's name is resolved (--proxy-dns): "local",
	// "remote" (by the proxy), "both" (locally if possible, else by the
	// proxy) or "none" (nowhere: the target must be an address).
	DNS string
}

// ProxyServer is the proxy server listen mode becomes.
type ProxyServer struct {
	Type       string // "http", "socks4" or "socks5"
	Auth       bool   // require User (and Pass) from clients
	User, Pass string
}

// Run runs the mode cfg describes until it ends or ctx is cancelled.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Stdin == nil {
		cfg.Stdin = os.Stdin
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	r := &runner{cfg: cfg, log: logger{w: cfg.Stderr, level: cfg.Verbose}}
	r.log.info("Version %s ( https://github.com/gcat-dev/gcat )", Version)
	f, err := openFilters(&r.cfg)
	if err != nil {
		return err
	}
	defer f.close()
	r.filters = f
	if err := r.prepareTLS(); err != nil {
		return err
	}
	if cfg.Listen {
		return r.listen(ctx)
	}
	return r.connect(ctx)
}

// StatusError is an error that ends gcat with a status other than 1, where
// ncat does so: an idle timeout in listen mode exits 2.
type StatusError struct {
	Status int
	Err    error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

type runner struct {
	cfg       Config
	log       logger
	filters   *filters
	serverTLS *tls.Config // listen mode with --ssl
	// clientTLSConf is connect mode's --ssl configuration.
	clientTLSConf *tls.Config
	// slots holds a token per connection being served with -k (-m).
	slots chan struct{}
}

func (r *runner) connect(ctx context.Context) error {
	cfg := r.cfg
	start := time.Now()
	conn, err := r.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if cfg.Unix != "" {
		r.log.info("Connected to %s.", cfg.Unix)
	} else {
		r.log.info("Connected to %s.", conn.RemoteAddr())
	}
	if cfg.Zero {
		st, err := r.zero(conn)
		r.log.info("%d bytes sent, %d bytes received in %.2f seconds.", st.Sent, st.Received, time.Since(start).Seconds())
		return err
	}
	st, err := r.serve(ctx, conn, r.stdio(false))
	r.log.info("%d bytes sent, %d bytes received in %.2f seconds.", st.Sent, st.Received, time.Since(start).Seconds())
	return err
}

// serve relays one connection, through a child when cfg.Exec is set.
// Network errors are said in terms of the peer.
func (r *runner) serve(ctx context.Context, conn net.Conn, std stdio) (relay.Stats, error) {
	st, err := r.relay(ctx, conn, std)
	if err != nil {
		err = r.peerError(conn, err)
	}
	return st, err
}

// options are the relay's end-of-stream policies for cfg.
func (r *runner) options() relay.Options {
	cfg := r.cfg
	opt := relay.Options{
		NoShutdown:  cfg.NoShutdown,
		Idle:        cfg.Idle,
		Quit:        cfg.Quit,
		QuitAfter:   cfg.QuitAfter,
		IdleTimeout: cfg.IdleTimeout,
		Debugf:      r.log.debugFunc(),
	}
	if cfg.KeepOpen && !cfg.Listen {
		opt.Idle = -1 // ncat 7.96+: -k outlives the peer's EOF
	}
	if !opt.Quit && (cfg.SendOnly || cfg.UDP && !cfg.Listen) {
		// No EOF will tell us the peer is done: after our input's EOF,
		// wait while replies keep coming (a UDP client), or drain what
		// the peer still sends so that closing does not reset it
		// (--send-only), and end once it has been silent.
		opt.Quit, opt.QuitSilent = true, true
		opt.QuitAfter = udpReplyWait
		if cfg.SendOnly && !cfg.UDP {
			opt.QuitAfter = relay.DefaultIdle
			if cfg.Idle > 0 {
				opt.QuitAfter = cfg.Idle
			}
		}
		if cfg.IdleTimeout > 0 {
			opt.QuitAfter = cfg.IdleTimeout
		}
	}
	return opt
}

// udpReplyWait is how long a UDP client waits, after its input's EOF, for
// the next reply before it quits.
const udpReplyWait = 2 * time.Second

func (r *runner) relay(ctx context.Context, conn net.Conn, std stdio) (relay.Stats, error) {
	conn = r.filters.received(conn)
	if r.cfg.Exec == nil {
		opt := r.options()
		opt.Interactive = std.interactive
		in, out := r.filters.sent(std.in), std.out
		if r.cfg.RecvOnly {
			in = nil
		}
		if r.cfg.SendOnly {
			out = discard{}
		}
		return relay.Run(ctx, conn.(relay.Conn), in, out, opt)
	}
	child, err := gexec.Start(gexec.Spec{
		Argv:   r.cfg.Exec,
		Env:    childEnv(conn, r.cfg.UDP),
		Stderr: r.cfg.Stderr,
	})
	if err != nil {
		return relay.Stats{}, err
	}
	r.log.debug("started %q, pid %d", r.cfg.Exec, child.Pid())
	opt := r.options()
	// All the child writes is delivered, however long it takes.
	opt.Idle = -1
	opt.DrainOnOutputGone = true
	if r.cfg.UDP {
		// Datagrams never end: the child's session is over when its
		// output is.
		opt.Quit, opt.QuitSilent, opt.QuitAfter = true, false, 0
	}
	var out io.Writer = child.Stdin
	if r.cfg.SendOnly {
		out = discard{}
	}
	st, err := relay.Run(ctx, conn.(relay.Conn), r.filters.sent(child.Stdout), out, opt)
	if ctx.Err() != nil {
		child.Kill()
	} else {
		conn.Close() // the peer sees the end now, not after the child's grace
		werr := child.Stop()
		r.log.debug("child %d ended: %v", child.Pid(), errOrExit0(werr))
	}
	return st, err
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

// logger prints -v output: "gcat: " and one line.
type logger struct {
	w     io.Writer
	level int
}

func (l logger) info(format string, args ...any) {
	if l.level >= 1 {
		fmt.Fprintf(l.w, "gcat: "+format+"\n", args...)
	}
}

func (l logger) error(format string, args ...any) {
	fmt.Fprintf(l.w, "gcat: "+format+"\n", args...)
}

// debugFunc returns debug as a function for packages, or nil below -vv.
func (l logger) debugFunc() func(string, ...any) {
	if l.level < 2 {
		return nil
	}
	return l.debug
}

func (l logger) debug(format string, args ...any) {
	if l.level >= 2 {
		fmt.Fprintf(l.w, "gcat: "+format+"\n", args...)
	}
}
