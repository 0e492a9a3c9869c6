//go:build !unix

package rawterm

import "os"

// DefaultSignals: the one signal Go delivers on this system (Ctrl-Break,
// or ^C when the console is not raw).
var DefaultSignals = []os.Signal{os.Interrupt}

// raise ends the process as the console's default handler would: a
// signal cannot be sent to oneself here.
func raise(os.Signal) { os.Exit(1) }
