package main

import (
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/vsock"
)

// platform is what the system gcat was built for offers, from the
// packages that implement each part.
type platform struct {
	goos         string
	vsock        bool // AF_VSOCK (Linux)
	unixDatagram bool // AF_UNIX SOCK_DGRAM (every Unix, not Windows)
}

var here = platform{goos: runtime.GOOS, vsock: vsock.Supported, unixDatagram: dial.UnixDatagram}

// unsupported refuses what this system lacks, in one line, as a usage
// error (exit 2), before anything is opened.
func unsupported(c *cli.Context) error { return here.refuse(c) }

func (p platform) refuse(c *cli.Context) error {
	switch {
	case c.Bool("vsock") && !p.vsock:
		return usagef("--vsock is not supported on %s", p.goos)
	case c.Bool("unixsock") && c.Bool("udp") && !p.unixDatagram:
		return usagef("-U with -u (Unix datagram sockets) is not supported on %s", p.goos)
	}
	return nil
}
