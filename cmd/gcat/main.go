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
	"syscall"

	"github.com/gcat-dev/gcat/pkg/luaexec"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == luaexec.ChildArg {
		os.Exit(runLua(os.Args[2]))
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigc := make(chan os.Signal, 1)
	// SIGPIPE is caught so that a write to a closed stdout returns EPIPE
	// and gcat can end its connection properly instead of dying mid-way.
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	var caught os.Signal
	go func() {
		for s := range sigc {
			if s == syscall.SIGPIPE {
				continue
			}
			caught = s
			cancel()
			return
		}
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sigc)
	os.Exit(report(os.Stderr, err, caught))
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
