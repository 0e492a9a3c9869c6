package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestPlatformRefusals: what a platform lacks is one usage error naming
// it, on the platforms that lack it only.
func TestPlatformRefusals(t *testing.T) {
	darwin := platform{goos: "darwin", unixDatagram: true}
	windows := platform{goos: "windows"}
	linux := platform{goos: "linux", vsock: true, unixDatagram: true}
	for _, tt := range []struct {
		p    platform
		args string
		want string // "" for accepted
	}{
		{darwin, "--vsock 3 5000", "--vsock is not supported on darwin"},
		{darwin, "-l --vsock 5000", "--vsock is not supported on darwin"},
		{windows, "--vsock 3 5000", "--vsock is not supported on windows"},
		{windows, "-U -u /tmp/s", "-U with -u (Unix datagram sockets) is not supported on windows"},
		{windows, "-lUu /tmp/s", "-U with -u (Unix datagram sockets) is not supported on windows"},
		{windows, "-U /tmp/s", ""},
		{windows, "-u 127.0.0.1 53", ""},
		{darwin, "-U -u /tmp/s", ""},
		{linux, "--vsock 3 5000", ""},
	} {
		t.Run(tt.p.goos+" "+tt.args, func(t *testing.T) {
			saved := here
			here = tt.p
			defer func() { here = saved }()
			_, err := parse(strings.Fields(tt.args), io.Discard, io.Discard)
			var ue *usageError
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (!errors.As(err, &ue) || err.Error() != tt.want):
				t.Fatalf("got %v, want the usage error %q", err, tt.want)
			}
		})
	}
}
