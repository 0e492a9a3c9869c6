package netcat

import (
	"crypto/tls"
	"fmt"
	"os"

	"github.com/gcat-dev/gcat/internal/version"
	"github.com/gcat-dev/gcat/pkg/activation"
	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/hostspec"
	"github.com/gcat-dev/gcat/pkg/luaexec"
)

// runner is one run of a Config, with what prepare made of it.
type runner struct {
	cfg     Config
	log     logger
	filters *filters

	// exec is the child's argv (-e, -c, or gcat itself running the
	// --lua-exec script), checked; execName names it in errors.
	exec     []string
	execName string

	serverTLS *tls.Config // listen mode with --ssl
	clientTLS *tls.Config // connect mode with --ssl

	access *hostspec.Access // --allow/--deny, resolved once listening

	handover *activation.Handover // what inetd handed over (--inetd)

	// fatal ends the run with its error: a failure that is not one
	// connection's (a record file or stdout that cannot be written).
	fatal func(error)
}

// prepare does the work a Config needs before anything connects or
// listens, in the order a user would want to hear of its failures: what
// cannot run is a ConfigError. Work that may wait (name lookups) is left
// for after listen(): see runner.listen.
func prepare(cfg Config, fatal func(error)) (*runner, error) {
	if cfg.Stdin == nil {
		cfg.Stdin = os.Stdin
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	r := &runner{cfg: cfg, log: logger{w: cfg.Stderr, level: cfg.Verbose}, fatal: fatal}
	if cfg.Inetd {
		if err := r.takeInetd(); err != nil {
			return nil, err
		}
	}
	r.log.Infof("%s", version.Banner())
	r.limits()
	if err := r.prepareRest(); err != nil {
		r.close()
		return nil, r.reported(err)
	}
	return r, nil
}

// prepareRest checks the child, asks for a proxy password, opens the
// session files and loads the TLS configuration.
func (r *runner) prepareRest() error {
	if err := r.prepareExec(); err != nil {
		return err
	}
	if err := r.checkRaw(); err != nil {
		return err
	}
	if err := r.prepareProxy(); err != nil {
		return err
	}
	f, err := openFilters(&r.cfg, r.fatal)
	if err != nil {
		return configErr(err)
	}
	r.filters = f
	return r.prepareTLS()
}

// close ends what prepare started: the progress meter, the record files.
func (r *runner) close() {
	if r.filters != nil {
		r.filters.close()
	}
}

// server reports whether listen mode serves many connections at once.
func (r *runner) server() bool {
	return r.cfg.Listen && (r.cfg.KeepOpen || r.cfg.Broker || r.cfg.ProxyServer.Type != "")
}

// limits applies ncat's default -m, and warns, as ncat does, of a -m that
// cannot take effect.
func (r *runner) limits() {
	switch {
	case r.server() && r.cfg.MaxConns == 0:
		r.cfg.MaxConns = defaultMaxConns
	case !r.server() && r.cfg.MaxConns > 0:
		r.log.Errorf("warning: maximum connections ignored, since it does not take effect without -k or --broker")
		r.cfg.MaxConns = 0
	}
}

// prepareExec checks that the program of -e, -c or --lua-exec can be run,
// so that a typo is reported before any connection is made.
func (r *runner) prepareExec() error {
	switch {
	case r.cfg.LuaExec != "":
		if err := luaexec.Check(r.cfg.LuaExec); err != nil {
			return configErr(fmt.Errorf("--lua-exec: %w", err))
		}
		self, err := os.Executable()
		if err != nil {
			return configErr(fmt.Errorf("--lua-exec: cannot find gcat's own executable: %w", err))
		}
		// gcat itself is the child, running the script on its stdin and
		// stdout, so the script is relayed like any -e program.
		r.exec, r.execName = []string{self, luaexec.ChildArg, r.cfg.LuaExec}, r.cfg.LuaExec
	case r.cfg.Exec != nil:
		if _, err := gexec.Resolve(r.cfg.Exec); err != nil {
			return configErr(fmt.Errorf("--exec: %w", err))
		}
		r.exec, r.execName = r.cfg.Exec, r.cfg.Exec[0]
	}
	return nil
}
