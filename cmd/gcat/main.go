// Command gcat is an ncat-compatible networking multitool: connect, listen,
// run a program for each connection, with loss-free half-close.
//
// This package is only the command line: it turns argv into a
// netcat.Config, runs it, and maps the outcome to a message and an exit
// status.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
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
