//go:build unix && !linux && !freebsd && !openbsd

package activation

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// domainProtocol finds the socket's address family from getsockname, as
// this system has no SO_DOMAIN; the protocol is unknown (0), and the
// socket type alone decides. A family package unix cannot decode is
// reported as -1.
func domainProtocol(fd int) (domain, proto int, err error) {
	sa, err := unix.Getsockname(fd)
	switch {
	case errors.Is(err, unix.EAFNOSUPPORT):
		return -1, 0, nil
	case err != nil:
		return 0, 0, fmt.Errorf("getsockname: %w", err)
	}
	switch sa.(type) {
	case *unix.SockaddrInet4:
		return unix.AF_INET, 0, nil
	case *unix.SockaddrInet6:
		return unix.AF_INET6, 0, nil
	case *unix.SockaddrUnix:
		return unix.AF_UNIX, 0, nil
	}
	return -1, 0, nil
}
