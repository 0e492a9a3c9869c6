package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/gcat-dev/gcat/pkg/netcat"
)

// report prints err for the user, once, and returns the exit status:
// 0 for success, 1 for a runtime failure, 2 for a usage error, 128+n when
// signal n ended gcat, and 141 (as if by SIGPIPE, without a message) when
// stdout's reader went away.
func report(w io.Writer, err error, sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	var ue *usageError
	var pe *os.PathError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(w, "gcat: %s\ngcat: hint: run 'gcat -h' for usage\n", ue.msg)
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	case errors.As(err, &pe) && pe.Path == "/dev/stdout" && errors.Is(err, syscall.EPIPE):
		return 128 + int(syscall.SIGPIPE)
	}
	msg := err.Error()
	fmt.Fprintf(w, "gcat: %s\n", msg)
	if h := hint(msg); h != "" {
		fmt.Fprintf(w, "gcat: hint: %s\n", h)
	}
	var se *netcat.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 1
}

func hint(msg string) string {
	switch {
	case strings.HasSuffix(msg, "connection refused"):
		return "is anything listening on that port?"
	case strings.HasSuffix(msg, "address already in use"):
		return "another program is listening there; choose another port or stop it"
	}
	return ""
}
