// Command gcat is an ncat-compatible networking multitool: connect, listen,
// run a program for each connection, with loss-free half-close.
//
// This package is only the command line: it turns argv into a
// netcat.Config, runs it, and maps the outcome to a message and an exit
// status.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/gcat-dev/gcat/pkg/luaexec"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == luaexec.ChildArg {
		os.Exit(runLua(os.Args[2]))
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigc := make(chan os.Signal, 1)
	// Signal handling is set up while the command line is parsed: each
	// signal enabled is a round trip to the runtime's signal thread, most
	// of a millisecond in all on a small VM. run waits for it before it
	// starts anything a signal must find handled (a child, a raw terminal,
	// a socket file to remove).
	handled := make(chan struct{})
	var caught atomic.Value
	go func() {
		catchSIGPIPE()
		signal.Notify(sigc, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		close(handled)
		for s := range sigc {
			caught.Store(s)
			cancel()
			return
		}
	}()
	err := run(ctx, os.Args[1:], handled, os.Stdout, os.Stderr)
	<-handled // the message below may go to a closed stderr
	signal.Stop(sigc)
	sig, _ := caught.Load().(os.Signal)
	os.Exit(report(os.Stderr, err, sig))
}

// catchSIGPIPE makes a write to a pipe or socket whose reader has gone fail
// with EPIPE instead of ending gcat, for the whole run and the final
// message: a closed stdout is then ended as a StreamError (status 141, as
// the SIGPIPE of a C netcat would), and a closed stderr changes nothing, as
// with ncat, which ignores SIGPIPE. Go's runtime otherwise lets SIGPIPE on
// descriptors 1 and 2 kill the program, so the notification is never
// stopped. It is caught rather than ignored: an ignored signal stays
// ignored across exec, and -e children must get the default SIGPIPE.
func catchSIGPIPE() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// runLua is the --lua-exec child: it runs the script on its stdin and
// stdout, which the parent relays to the connection, and exits with the
// status the script gave os.exit.
func runLua(path string) int {
	err := luaexec.Run(path)
	var ee *luaexec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.Code
	case err != nil:
		fmt.Fprintf(os.Stderr, "gcat: %v\n", err)
		return 1
	}
	return 0
}
