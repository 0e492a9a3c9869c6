package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/gcat-dev/gcat/pkg/activation"
	"github.com/gcat-dev/gcat/pkg/netcat"
	"github.com/gcat-dev/gcat/pkg/neterr"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// report prints err for the user, once, with a hint where one helps, and
// returns the exit status: 0 for success, 1 for a runtime failure, 2 for a
// usage or configuration error, 128+n when signal n ended gcat, and 141 (as
// if by SIGPIPE, without a message) when stdout's reader went away.
func report(w io.Writer, err error, sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	var ue *usageError
	var se *netcat.StreamError
	var rep *netcat.ReportedError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &rep):
		return status(err) // said already, where the user will see it (syslog)
	case errors.As(err, &ue):
		fmt.Fprintf(w, "gcat: %s\ngcat: hint: run 'gcat -h' for usage\n", ue.msg)
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	case errors.As(err, &se) && se.Stdout() && errors.Is(err, syscall.EPIPE):
		// A closed stdout in a pipeline (gcat ... | head): what a C
		// netcat's default SIGPIPE would do, quietly.
		return 128 + int(syscall.SIGPIPE)
	}
	fmt.Fprintf(w, "gcat: %v\n", err)
	if h := hint(err); h != "" {
		fmt.Fprintf(w, "gcat: hint: %s\n", h)
	}
	return status(err)
}

// status is the exit status of a failure: 2 for a configuration that
// cannot run, what a StatusError says, else 1.
func status(err error) int {
	var ce *netcat.ConfigError
	var st *netcat.StatusError
	switch {
	case errors.As(err, &ce):
		return 2
	case errors.As(err, &st):
		return st.Status
	}
	return 1
}

// hint says what a user can do about err, decided by its type and errno.
func hint(err error) string {
	var (
		stale *neterr.StaleSocketError
		ne    *neterr.Error
		te    *neterr.TimeoutError
		dns   *net.DNSError
		ve    *tlsconf.VerifyError
	)
	path := errors.As(err, &ne) && strings.HasPrefix(ne.Addr, "/")
	switch {
	case errors.As(err, &stale):
		return fmt.Sprintf("nothing answers on %s: a server that has gone left it; remove it (rm %s) and try again", stale.Path, stale.Path)
	case errors.Is(err, syscall.EADDRINUSE) && path:
		return "another program is listening on that socket; choose another path or stop it"
	case errors.Is(err, syscall.EADDRINUSE):
		return "another program is listening there; choose another port or stop it"
	case errors.Is(err, syscall.ECONNREFUSED) && path:
		return "is anything listening on that socket?"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "is anything listening on that port?"
	case errors.Is(err, syscall.ENOENT) && path && ne.Op == neterr.OpConnect:
		return "there is no socket at that path: is the server running?"
	case errors.Is(err, syscall.EADDRNOTAVAIL) && ne != nil && ne.Op == "bind to":
		return "the source address (-s) must be one of this machine's"
	case errors.As(err, &te) && ne != nil && ne.Op == neterr.OpConnect:
		return "is the host up and the port not filtered? -w sets how long to wait"
	case errors.As(err, &dns) && dns.IsNotFound:
		return "check the host name"
	case errors.As(err, &ve):
		return "give the certificate of the CA that signed it with --ssl-trustfile, or leave out --ssl-verify to connect anyway (the certificate is then only reported)"
	}
	return activationHint(err)
}

// activationHint says how to serve a socket a service manager handed over
// that does not fit the command line.
func activationHint(err error) string {
	switch {
	case errors.Is(err, activation.ErrDatagram):
		return "a datagram socket is served with -u"
	case errors.Is(err, activation.ErrStream):
		return "a stream socket is served without -u"
	case errors.Is(err, activation.ErrConnected):
		return "systemd's Accept=yes hands over connections: serve each with gcat --inetd and StandardInput=socket"
	case errors.Is(err, activation.ErrListening):
		return "a listening socket is served with gcat -l (systemd's Accept=no)"
	case errors.Is(err, activation.ErrNotSocket):
		return "--inetd serves the connection inetd or systemd (Accept=yes) hands over as stdin"
	}
	return ""
}
