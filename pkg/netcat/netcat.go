// Package netcat runs gcat's modes from a plain Config: connect or listen,
// over TCP, UDP, Unix or vsock sockets, relaying stdin/stdout or an -e/-c
// child, once or (-k) for many connections, as a hub, a broker or a proxy
// server. It knows nothing of command lines.
//
// Run prepares what the Config names (files, certificates, programs, host
// lists: the work a Config needs that is not parsing), then connects
// (connect.go) or listens: every listening mode is a handler on
// pkg/server's one pipeline (listen.go, handlers.go). Each connection is
// relayed by pkg/relay with the end-of-stream policy of its mode
// (policy.go).
package netcat

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/gcat-dev/gcat/internal/version"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// Version is gcat's version, from the build (see internal/version).
var Version = version.Get()

// Config is everything a run needs. It is plain data: building one does no
// I/O. The zero value connects to nothing; the CLI fills in ncat's defaults
// (port 31337, -q off, ...).
type Config struct {
	Listen   bool
	KeepOpen bool // -k: listen for many connections; connect: outlive the peer's EOF

	Unix string // -U: a Unix socket path instead of Host/Port
	Host string // connect target, or listen address ("" = every address)
	Port int
	// AddrGiven says that the command line gave an address, a port or a
	// socket path. Listen mode without one serves the sockets a service
	// manager handed over (LISTEN_FDS, UPSTART_FDS), if any.
	AddrGiven bool
	// Inetd serves the one connection inetd (or systemd's Accept=yes)
	// handed over on descriptor 0, with the child of Exec, or relayed to
	// Host and Port (--inetd).
	Inetd  bool
	Family int  // -4 / -6: 4 or 6; 0 for both
	UDP    bool // -u: datagrams (UDP, or Unix datagrams with Unix)
	Vsock  bool // --vsock: Host is a vsock CID
	Zero   bool // -z: connect, report, send nothing
	// ZeroPorts, with Zero, are the ports to scan in turn, when there
	// are several (gcat -z host 20-25,80).
	ZeroPorts []int

	NoDNS          bool          // -n
	Source         string        // -s
	SourcePort     int           // -p in connect mode
	ConnectTimeout time.Duration // -w; zero: none

	// Exec is the child's argv for -e/-c; nil relays stdin and stdout.
	// LuaExec, instead, is the Lua script --lua-exec runs as the child.
	Exec    []string
	LuaExec string
	// Pty runs the child on a pseudo-terminal (--pty).
	Pty bool
	// Raw puts stdin, a terminal, in raw mode for the connection, with an
	// ssh-like escape to quit (--raw); Terminal also reports the window's
	// size to a -t server that asks for it (-T).
	Raw, Terminal bool

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

	// HandshakeTimeout bounds a listening gcat's wait for a client's
	// whole handshake (TLS, DTLS, a proxy request); zero:
	// server.DefaultHandshakeTimeout (--handshake-timeout).
	HandshakeTimeout time.Duration

	// MaxConns bounds the connections served at once in listen mode with
	// -k, --broker or a proxy server (-m); more are closed as soon as they
	// are ready. Zero: ncat's default, 100. It is ignored, with a warning,
	// in listen mode without them.
	MaxConns int
	// Access lists the peers listen mode admits (--allow, --deny and their
	// files); they are read and resolved when the run starts.
	Access Access
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

// Access is --allow, --allowfile, --deny and --denyfile: nmap host specs,
// and files of them. A peer must match an allow entry, when there is one,
// and no deny entry.
type Access struct {
	Allow, AllowFiles []string
	Deny, DenyFiles   []string
}

func (a Access) empty() bool {
	return len(a.Allow)+len(a.AllowFiles)+len(a.Deny)+len(a.DenyFiles) == 0
}

// Proxy is a proxy to connect through.
type Proxy struct {
	Type string // "http", "socks4" or "socks5"
	Host string
	Port int
	// Auth says credentials were given (--proxy-auth, NCAT_PROXY_AUTH):
	// Credentials as given, "user[:pass]", split into User and Pass.
	Auth        bool
	Credentials string
	User, Pass  string
	// AskPass asks for Pass on the terminal when the run starts, if
	// there is one (a user was given without a password); an empty answer
	// leaves the credentials as given.
	AskPass bool
	// DNS is where the target's name is resolved (--proxy-dns): "local",
	// "remote" (by the proxy), "both" (locally if possible, else by the
	// proxy) or "none" (nowhere: the target must be an address).
	DNS string
}

// ProxyServer is the proxy server listen mode becomes.
type ProxyServer struct {
	Type string // "http", "socks4" or "socks5"
	// Auth requires credentials from clients: Credentials exactly, over
	// HTTP (Basic, or Digest for User and Pass); User and Pass over SOCKS.
	Auth        bool
	Credentials string
	User, Pass  string
}

// defaultMaxConns is ncat's default -m.
const defaultMaxConns = 100

// Run runs the mode cfg describes until it ends or ctx is cancelled.
func Run(ctx context.Context, cfg Config) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var once sync.Once
	fatal := func(err error) { once.Do(func() { cancel(err) }) }
	r, err := prepare(cfg, fatal)
	if err != nil {
		return err
	}
	defer r.close()
	switch {
	case cfg.Inetd:
		err = r.inetd(ctx)
	case cfg.Listen:
		err = r.listen(ctx)
	default:
		err = r.connect(ctx)
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause // a fatal failure, which ended what was under way
	}
	return r.reported(err)
}
