//go:build linux || freebsd || openbsd

package activation

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// domainProtocol asks the socket for its address family and protocol
// (SO_DOMAIN, SO_PROTOCOL). Unlike getsockname, SO_DOMAIN names families
// that package net knows nothing of, for a clear refusal.
func domainProtocol(fd int) (domain, proto int, err error) {
	domain, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil {
		return 0, 0, fmt.Errorf("getsockopt SO_DOMAIN: %w", err)
	}
	proto, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil {
		return 0, 0, fmt.Errorf("getsockopt SO_PROTOCOL: %w", err)
	}
	return domain, proto, nil
}
