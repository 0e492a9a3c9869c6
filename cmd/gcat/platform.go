package main

import (
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/gcat-dev/gcat/pkg/activation"
	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/ptyexec"
	"github.com/gcat-dev/gcat/pkg/vsock"
)

// platform is what the system gcat was built for offers, from the
// packages that implement each part.
type platform struct {
	goos         string
	vsock        bool // AF_VSOCK (Linux)
	unixDatagram bool // AF_UNIX SOCK_DGRAM (every Unix, not Windows)
	pty          bool // pseudo-terminals (Unix)
	inetd        bool // a socket as stdin (Unix)
}

var here = platform{
	goos: runtime.GOOS, vsock: vsock.Supported, unixDatagram: dial.UnixDatagram,
	pty: ptyexec.Available() == nil, inetd: activation.Supported,
}

// unsupported refuses what this system lacks, in one line, as a usage
// error (exit 2), before anything is opened.
func unsupported(c *cli.Context) error { return here.refuse(c) }

func (p platform) refuse(c *cli.Context) error {
	switch {
	case c.Bool("vsock") && !p.vsock:
		return usagef("--vsock is not supported on %s", p.goos)
	case c.Bool("unixsock") && c.Bool("udp") && !p.unixDatagram:
		return usagef("-U with -u (Unix datagram sockets) is not supported on %s", p.goos)
	case c.Bool("pty") && !p.pty:
		return usagef("--pty is not supported on %s: it has no pseudo-terminals gcat can use", p.goos)
	case c.Bool("inetd") && !p.inetd:
		return usagef("--inetd is not supported on %s", p.goos)
	}
	return nil
}
