package ptyexec

import (
	"errors"
	"time"
)

// Defaults for Spec's zero values.
const (
	DefaultTerm        = "xterm-256color"
	DefaultRows        = 24
	DefaultCols        = 80
	DefaultOutputGrace = 2 * time.Second
	DefaultStopGrace   = 2 * time.Second
)

// ErrUnsupported is returned by Start on systems without pseudo-terminals.
var ErrUnsupported = errors.New("pseudo-terminals are not supported on this system")

// Spec describes the child to run.
type Spec struct {
	// Argv is the program and its arguments. A program name without a
	// slash is looked up in PATH.
	Argv []string
	// Env is added to gcat's own environment (NCAT_REMOTE_ADDR, ...).
	Env []string
	// Term is the child's TERM. If empty, gcat's own TERM is used, or
	// DefaultTerm if that is unset. A TERM in Env wins over both.
	Term string
	// EOFKey makes the end of input the terminal's EOF character (^D)
	// instead of a hangup; see the package comment.
	EOFKey bool
	// Size is the terminal's initial size. A zero field is replaced by
	// DefaultRows or DefaultCols.
	Size Size
	// OutputGrace: see the package comment. If zero, DefaultOutputGrace.
	OutputGrace time.Duration
	// StopGrace: see the package comment. If zero, DefaultStopGrace.
	StopGrace time.Duration
}

// Size is a terminal's size in character cells.
type Size struct {
	Rows, Cols uint16
}

// StartError is returned by Start when the child could not be started.
type StartError struct {
	Argv0 string
	Err   error
}

func (e *StartError) Error() string { return "exec " + e.Argv0 + " on a pty: " + e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

func (s *Spec) defaults(getenv func(string) string) {
	if s.Term == "" {
		s.Term = getenv("TERM")
	}
	if s.Term == "" {
		s.Term = DefaultTerm
	}
	if s.Size.Rows == 0 {
		s.Size.Rows = DefaultRows
	}
	if s.Size.Cols == 0 {
		s.Size.Cols = DefaultCols
	}
	if s.OutputGrace == 0 {
		s.OutputGrace = DefaultOutputGrace
	}
	if s.StopGrace == 0 {
		s.StopGrace = DefaultStopGrace
	}
}

// environ is base with TERM replaced by term, then extra.
func environ(base []string, term string, extra []string) []string {
	env := make([]string, 0, len(base)+1+len(extra))
	for _, kv := range base {
		if len(kv) < 5 || kv[:5] != "TERM=" {
			env = append(env, kv)
		}
	}
	env = append(env, "TERM="+term)
	return append(env, extra...)
}
