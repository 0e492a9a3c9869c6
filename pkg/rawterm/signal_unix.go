//go:build unix

package rawterm

import (
	"os"
	"syscall"
)

// DefaultSignals are the signals that end a process without running its
// deferred calls, unless it handles them: a hangup (the terminal closed),
// kill's default, ^C and ^\ sent from elsewhere.
var DefaultSignals = []os.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT}

// raise sends sig to the process again, now that nothing of ours catches
// it.
func raise(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
	}
}
