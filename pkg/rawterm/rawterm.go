// Package rawterm puts gcat's own terminal in raw mode for an interactive
// remote program (--raw): every key, ^C, ^Z, arrows and tab included, goes
// to the remote side as typed, and the remote terminal does the echoing
// and line editing. It restores the terminal on every exit path, offers an
// ssh-style escape to quit from the keyboard (see EscapeReader) and
// reports window size changes (see WatchSize).
package rawterm

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"

	"golang.org/x/term"
)

// ErrNotTerminal is returned by MakeRaw for a file that is not a terminal.
var ErrNotTerminal = errors.New("not a terminal")

// Raw is a terminal that MakeRaw put in raw mode.
type Raw struct {
	fd    int
	name  string
	state *term.State

	once sync.Once
	err  error
}

// MakeRaw puts the terminal f in raw mode. The caller must call Restore on
// every way out: defer it, and use RestoreOnSignals for the signals that
// end the process without running deferred calls.
func MakeRaw(f *os.File) (*Raw, error) {
	fd, err := fdOf(f)
	if err != nil {
		return nil, fmt.Errorf("raw mode on %s: %w", f.Name(), err)
	}
	if !term.IsTerminal(fd) {
		return nil, fmt.Errorf("raw mode on %s: %w", f.Name(), ErrNotTerminal)
	}
	st, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("raw mode on %s: %w", f.Name(), err)
	}
	return &Raw{fd: fd, name: f.Name(), state: st}, nil
}

// Restore puts the terminal back in the mode it had before MakeRaw. Only
// the first call acts; later and concurrent calls wait for it and return
// its result, so a signal handler and the normal exit path may both call
// it.
func (r *Raw) Restore() error {
	r.once.Do(func() {
		if err := term.Restore(r.fd, r.state); err != nil {
			r.err = fmt.Errorf("restore terminal %s: %w", r.name, err)
		}
	})
	return r.err
}

// RestoreOnSignals restores the terminal when the process receives one of
// sigs (DefaultSignals if none are given), then lets the signal take the
// effect it would have had: the default action (the process ends by the
// signal, as its parent expects), or the handler another part of the
// program registered with os/signal, which is told again. stop ends the
// watch; it does not restore.
func (r *Raw) RestoreOnSignals(sigs ...os.Signal) (stop func()) {
	if len(sigs) == 0 {
		sigs = DefaultSignals
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case sig := <-ch:
			r.Restore()
			signal.Stop(ch)
			raise(sig)
		case <-quit:
			signal.Stop(ch)
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// fdOf returns f's descriptor without putting f in blocking mode, as f.Fd
// would: deadlines on stdin must keep working.
func fdOf(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd int
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return 0, err
	}
	return fd, nil
}
