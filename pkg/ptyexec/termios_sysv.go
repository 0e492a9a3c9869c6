//go:build unix && !aix && !(darwin || dragonfly || freebsd || netbsd || openbsd)

package ptyexec

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
	vdisable        = 0 // _POSIX_VDISABLE
)
