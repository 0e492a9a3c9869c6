package sys

import (
	"os"
	"strconv"
	"syscall"
)

// Pollable returns a new *os.File reading what f reads, in the runtime
// poller (so a read on it can be interrupted with a deadline), when f is a
// pipe or a terminal; else nil.
//
// It reopens /proc/self/fd/N with O_NONBLOCK: that gives gcat an open file
// description of its own, so the shared one of a shell or a pipeline is
// not switched to non-blocking under the other processes using it. A
// regular file is left as it is (its reads never block, and sendfile
// applies).
func Pollable(f *os.File) *os.File {
	fd := int(f.Fd())
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil {
		return nil
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFIFO, syscall.S_IFCHR:
	default:
		return nil
	}
	p, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(fd), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	if _, err := p.SyscallConn(); err != nil {
		p.Close()
		return nil
	}
	return p
}
