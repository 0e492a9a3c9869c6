package exec

import (
	"os"

	"golang.org/x/sys/unix"
)

// AwaitExit returns once p has exited, without reaping it, waiting in the
// runtime's poller rather than in a blocked system call: os.Process.Wait
// holds an OS thread for as long as the child lives, and a server with
// thousands of children would reach Go's thread limit (10,000), which
// crashes the process. It polls a pidfd, which becomes readable when the
// process exits; where pidfds are missing (Linux before 5.10) it returns at
// once, and Wait blocks as before.
func AwaitExit(p *os.Process) {
	fd, err := unix.PidfdOpen(p.Pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Read(func(fd uintptr) bool {
		// A pidfd is readable once its process has exited. Until then
		// Read parks this goroutine in the poller; a failure ends the
		// wait, and Wait says what it is.
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 0)
		return err != nil || n > 0
	})
}
