//go:build unix && !aix

package ptyexec

import (
	"os"
	osexec "os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	gexec "github.com/gcat-dev/gcat/pkg/exec"
)

// Child is a running program on a pty whose master side is in gcat's hands.
type Child struct {
	// Stdin writes to the terminal, as typing does; its CloseWrite is the
	// end of input described in the package comment.
	Stdin *Input
	// Stdout reads what the terminal shows. Its Read returns io.EOF once
	// the output has ended (see the package comment).
	Stdout *Output

	cmd    *osexec.Cmd
	master *os.File
	tty    string
	spec   Spec
	exited chan struct{}
	err    error

	stopOnce  sync.Once
	closeOnce sync.Once
}

// Start starts the child described by spec on a new pty.
func Start(spec Spec) (*Child, error) {
	c, err := start(spec)
	if err != nil {
		name := ""
		if len(spec.Argv) > 0 {
			name = spec.Argv[0]
		}
		return nil, &StartError{Argv0: name, Err: err}
	}
	return c, nil
}

func start(spec Spec) (*Child, error) {
	path, err := gexec.Resolve(spec.Argv)
	if err != nil {
		return nil, err
	}
	spec.defaults(os.Getenv)
	master, tty, err := openPty(spec.Size)
	if err != nil {
		return nil, err
	}
	cmd := &osexec.Cmd{
		Path:   path,
		Args:   spec.Argv,
		Env:    environ(os.Environ(), spec.Term, spec.Env),
		Stdin:  tty,
		Stdout: tty,
		Stderr: tty,
		// A session of its own with the pty as its controlling terminal
		// (Ctty is the child's fd 0): job control, ^C and hangups reach
		// the child's processes and nothing of gcat's.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0},
	}
	err = cmd.Start()
	// The child has its own copy. Ours would keep the terminal open after
	// the child's exit, and the master would never report the end.
	tty.Close()
	if err != nil {
		master.Close()
		return nil, err
	}
	c := &Child{
		cmd:    cmd,
		master: master,
		tty:    tty.Name(),
		spec:   spec,
		exited: make(chan struct{}),
	}
	c.Stdin = &Input{f: master, hangup: c.hangup, eofKey: spec.EOFKey}
	c.Stdout = &Output{f: master, grace: spec.OutputGrace, close: c.closeMaster}
	go c.wait()
	return c, nil
}

// openPty opens a pty of the given size with its terminal in sane mode. The
// master is returned in non-blocking mode so that deadlines work on it.
func openPty(size Size) (master, tty *os.File, err error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			tty.Close()
		}
	}()
	// pty.Open leaves the master in blocking mode, where deadlines are
	// ignored and a blocked Read cannot be interrupted. A non-blocking
	// duplicate is served by the runtime's poller instead.
	fd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	m.Close()
	if err != nil {
		return nil, nil, err
	}
	if err = unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, nil, err
	}
	master = os.NewFile(uintptr(fd), "pty master "+tty.Name())
	if err = sane(tty); err == nil {
		err = pty.Setsize(tty, &pty.Winsize{Rows: size.Rows, Cols: size.Cols})
	}
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, tty, nil
}

// wait reaps the child, then ends the output once it is silent and input
// at once.
func (c *Child) wait() {
	gexec.AwaitExit(c.cmd.Process)
	c.err = c.cmd.Wait()
	c.Stdin.childExited()
	c.Stdout.childExited()
	close(c.exited)
}

// Pid returns the child's process ID, which is also its session and
// process group ID.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// TTY returns the name of the child's terminal (/dev/pts/N).
func (c *Child) TTY() string { return c.tty }

// Exited is closed when the child has exited and been reaped.
func (c *Child) Exited() <-chan struct{} { return c.exited }

// Resize sets the terminal's size; the kernel tells the foreground process
// group with SIGWINCH. A zero field means "unknown" to the programs that
// read it.
func (c *Child) Resize(rows, cols uint16) error {
	ws := &unix.Winsize{Row: rows, Col: cols}
	err := control(c.master, func(fd int) error { return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) })
	if err != nil {
		return &os.PathError{Op: "resize", Path: c.tty, Err: err}
	}
	return nil
}

// Stop hangs the terminal up and ends the session's process groups (see
// the package comment), reaps the child, closes the master and returns the
// child's exit error. Stop may be called more than once.
func (c *Child) Stop() error {
	c.stopOnce.Do(c.stop)
	return c.err
}

// Kill is Stop for a gcat that is exiting: it does not report the child's
// exit status.
func (c *Child) Kill() { c.Stop() }

func (c *Child) stop() {
	pid := c.cmd.Process.Pid
	select {
	case <-c.exited:
		// The kernel hung up the foreground group at the child's exit;
		// end what the child left in its own group too.
		syscall.Kill(-pid, syscall.SIGHUP)
	default:
		if c.Stdout.ended.Load() && c.waitExit(c.spec.StopGrace) {
			// The child let go of the terminal and exited by itself
			// (cat closes its stdio before it exits).
			break
		}
		fg := c.hangup()
		if !c.waitExit(c.spec.StopGrace) {
			syscall.Kill(-pid, syscall.SIGKILL)
			if fg > 0 {
				syscall.Kill(-fg, syscall.SIGKILL)
			}
			<-c.exited
		}
	}
	c.closeMaster()
}

// hangup sends what a hangup sends to the child's process group and to the
// terminal's foreground process group. It returns the foreground group if
// that is not the child's.
func (c *Child) hangup() (fg int) {
	pid := c.cmd.Process.Pid
	// Read before signalling: once the shell exits, the terminal no
	// longer has a foreground group to tell.
	control(c.master, func(fd int) error {
		var err error
		fg, err = unix.IoctlGetInt(fd, unix.TIOCGPGRP)
		return err
	})
	if fg == pid {
		fg = 0
	}
	for _, g := range []int{pid, fg} {
		if g > 0 {
			syscall.Kill(-g, syscall.SIGHUP)
			syscall.Kill(-g, syscall.SIGCONT)
		}
	}
	return fg
}

func (c *Child) closeMaster() {
	c.closeOnce.Do(func() { c.master.Close() })
}

func (c *Child) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.exited:
		return true
	case <-t.C:
		return false
	}
}

// control runs fn on f's descriptor without taking f out of non-blocking
// mode (as f.Fd would).
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

//

// Available returns nil: this system has ptys. cmd/gcat calls it to refuse
// --pty before anything is opened where they are missing.
func Available() error { return nil }
