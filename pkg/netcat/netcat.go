// Package netcat runs gcat's modes from a plain Config: connect or listen,
// over TCP or a Unix stream socket, relaying stdin/stdout or an -e/-c child,
// once or (-k) for many connections. It knows nothing of command lines.
package netcat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gcat-dev/gcat/pkg/dial"
	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/relay"
)

// Version is gcat's version, printed by -v and --version.
const Version = "0.1.0"

// Config is everything a run needs. The zero value connects to nothing; the
// CLI fills in ncat's defaults (port 31337, -q off, ...).
type Config struct {
	Listen   bool
	KeepOpen bool // -k: listen for many connections; connect: outlive the peer's EOF

	Unix   string // -U: a Unix stream socket path instead of Host/Port
	Host   string // connect target, or listen address ("" = every address)
	Port   int
	Family int // -4 / -6: 4 or 6; 0 for both

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

	Verbose int // -v count

	// Stdin, Stdout and Stderr default to the process's own.
	Stdin  *os.File
	Stdout *os.File
	Stderr io.Writer
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
	if cfg.Listen {
		return r.listen(ctx)
	}
	return r.connect(ctx)
}

type runner struct {
	cfg Config
	log logger
}

func (r *runner) connect(ctx context.Context) error {
	cfg := r.cfg
	start := time.Now()
	conn, err := dial.Dial(ctx, dial.Options{
		Unix: cfg.Unix, Host: cfg.Host, Port: cfg.Port, Family: cfg.Family,
		NoDNS: cfg.NoDNS, Source: cfg.Source, SourcePort: cfg.SourcePort,
		Timeout: cfg.ConnectTimeout,
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	if cfg.Unix != "" {
		r.log.info("Connected to %s.", cfg.Unix)
	} else {
		r.log.info("Connected to %s.", conn.RemoteAddr())
	}
	st, err := r.serve(ctx, conn, r.stdio(false))
	r.log.info("%d bytes sent, %d bytes received in %.2f seconds.", st.Sent, st.Received, time.Since(start).Seconds())
	return err
}

// serve relays one connection, through a child when cfg.Exec is set.
// Network errors are said in terms of the peer.
func (r *runner) serve(ctx context.Context, conn net.Conn, io stdio) (relay.Stats, error) {
	st, err := r.relay(ctx, conn, io)
	var oe *net.OpError
	if errors.As(err, &oe) {
		peer := conn.RemoteAddr().String()
		if r.cfg.Unix != "" {
			peer = r.cfg.Unix
		}
		err = fmt.Errorf("connection with %s: %w", peer, dial.Reason(err))
	}
	return st, err
}

func (r *runner) relay(ctx context.Context, conn net.Conn, io stdio) (relay.Stats, error) {
	if r.cfg.Exec == nil {
		opt := relay.Options{
			NoShutdown:  r.cfg.NoShutdown,
			Idle:        r.cfg.Idle,
			Interactive: io.interactive,
			Quit:        r.cfg.Quit,
			QuitAfter:   r.cfg.QuitAfter,
			Debugf:      r.log.debugFunc(),
		}
		if r.cfg.KeepOpen && !r.cfg.Listen {
			opt.Idle = -1 // ncat 7.96+: -k outlives the peer's EOF
		}
		return relay.Run(ctx, conn.(relay.Conn), io.in, io.out, opt)
	}
	child, err := gexec.Start(gexec.Spec{
		Argv:   r.cfg.Exec,
		Env:    childEnv(conn),
		Stderr: r.cfg.Stderr,
	})
	if err != nil {
		return relay.Stats{}, err
	}
	r.log.debug("started %q, pid %d", r.cfg.Exec, child.Pid())
	st, err := relay.Run(ctx, conn.(relay.Conn), child.Stdout, child.Stdin, relay.Options{
		NoShutdown: r.cfg.NoShutdown,
		// All the child writes is delivered, however long it takes.
		Idle:              -1,
		DrainOnOutputGone: true,
		Debugf:            r.log.debugFunc(),
	})
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
func childEnv(c net.Conn) []string {
	raddr, rport := hostPort(c.RemoteAddr())
	laddr, lport := hostPort(c.LocalAddr())
	return []string{
		"NCAT_REMOTE_ADDR=" + raddr,
		"NCAT_REMOTE_PORT=" + rport,
		"NCAT_LOCAL_ADDR=" + laddr,
		"NCAT_LOCAL_PORT=" + lport,
		"NCAT_PROTO=TCP",
	}
}

func hostPort(a net.Addr) (string, string) {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String(), fmt.Sprint(t.Port)
	}
	// Unix sockets: ncat says "localhost" and an empty port.
	return "localhost", ""
}

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
