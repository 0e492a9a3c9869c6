// Package exec runs the program behind -e and -c the way ncat does: the
// child gets two pipes, one for its stdin and one for its stdout, and its
// stderr is gcat's. The caller relays between the pipes and a connection.
//
// Ending a child. Closing Stdin is the child's EOF. A child that has exited
// may leave a grandchild holding its stdout open (sh -c 'daemon &'); once the
// child has exited, output that stays silent for OutputGrace ends the stream.
// Stop ends what is left: it waits StopGrace for the child to exit by itself,
// then asks the child's group to end, waits StopGrace again, then kills it.
// The child is always reaped.
//
// The child's group is what Stop reaches beside the child: what it started.
// On Unix it is a process group of its own (SIGTERM, then SIGKILL); on
// Windows a job object that the child is put in before it runs
// (CTRL_BREAK_EVENT to its console process group, then TerminateJobObject;
// the job also ends whatever is left when gcat itself exits).
//
// Shell gives the argv of -c: /bin/sh -c on Unix, cmd.exe /C on Windows,
// whose command line is passed to cmd.exe as it is written, since cmd.exe
// does not unquote its arguments as other programs do.
package exec

import (
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults for Spec's zero values.
const (
	DefaultOutputGrace = 2 * time.Second
	DefaultStopGrace   = 2 * time.Second
)

// Spec describes the child to run.
type Spec struct {
	// Argv is the program and its arguments. A program name without a
	// slash is looked up in PATH.
	Argv []string
	// Env is added to gcat's own environment (NCAT_REMOTE_ADDR, ...).
	Env []string
	// Stderr receives the child's stderr. If nil, gcat's stderr is used.
	Stderr io.Writer
	// OutputGrace: see the package comment. If zero, DefaultOutputGrace.
	OutputGrace time.Duration
	// StopGrace: see the package comment. If zero, DefaultStopGrace.
	StopGrace time.Duration
}

// Child is a running program with its stdin and stdout in gcat's hands.
type Child struct {
	// Stdin is the write end of the child's stdin; closing it is the
	// child's EOF.
	Stdin *os.File
	// Stdout reads the child's stdout. Its Read returns io.EOF once the
	// child's output has ended (see the package comment).
	Stdout *Output

	cmd    *osexec.Cmd
	grp    group
	spec   Spec
	exited chan struct{}
	err    error
}

// Resolve checks that argv names a program that can be run and returns its
// path, so a typo is reported before any connection is made.
func Resolve(argv []string) (string, error) {
	if len(argv) == 0 || argv[0] == "" {
		return "", errors.New("empty command")
	}
	path, err := osexec.LookPath(argv[0])
	var ee *osexec.Error
	switch {
	case errors.Is(err, osexec.ErrNotFound):
		return "", fmt.Errorf("%s: not found in PATH", argv[0])
	case errors.As(err, &ee):
		var pe *os.PathError
		if errors.As(ee.Err, &pe) {
			return "", fmt.Errorf("%s: %w", argv[0], pe.Err)
		}
		return "", fmt.Errorf("%s: %w", argv[0], ee.Err)
	}
	return path, err
}

// StartError is returned by Start when the child could not be started.
type StartError struct {
	Argv0 string
	Err   error
}

func (e *StartError) Error() string { return "exec " + e.Argv0 + ": " + e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Start starts the child described by spec.
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
	path, err := Resolve(spec.Argv)
	if err != nil {
		return nil, err
	}
	spec.defaults()
	inR, inW, err := pipe(false)
	if err != nil {
		return nil, err
	}
	outR, outW, err := pipe(true)
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd, grp, err := run(path, spec, inR, outW)
	// The child has its own copies now. Ours would hide its EOF from us
	// (outW) and our EOF from it (inR).
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	c := &Child{
		Stdin:  inW,
		Stdout: &Output{f: outR, grace: spec.OutputGrace},
		cmd:    cmd,
		grp:    grp,
		spec:   spec,
		exited: make(chan struct{}),
	}
	go c.wait()
	return c, nil
}

func (spec *Spec) defaults() {
	if spec.OutputGrace == 0 {
		spec.OutputGrace = DefaultOutputGrace
	}
	if spec.StopGrace == 0 {
		spec.StopGrace = DefaultStopGrace
	}
	if spec.Stderr == nil {
		spec.Stderr = os.Stderr
	}
}

// run starts the program at path with stdin and stdout, in a group of its
// own, so Stop reaches what the child started.
func run(path string, spec Spec, stdin, stdout *os.File) (*osexec.Cmd, group, error) {
	cmd := &osexec.Cmd{
		Path:        path,
		Args:        spec.Argv,
		Env:         append(os.Environ(), spec.Env...),
		Stdin:       stdin,
		Stdout:      stdout,
		Stderr:      spec.Stderr,
		SysProcAttr: sysProcAttr(spec.Argv),
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	grp, err := newGroup(cmd.Process)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, nil, err
	}
	return cmd, grp, nil
}

// wait reaps the child and lets a silent output end.
func (c *Child) wait() {
	AwaitExit(c.cmd.Process)
	c.err = c.cmd.Wait()
	c.Stdout.childExited()
	close(c.exited)
}

// Pid returns the child's process ID.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Exited is closed when the child has exited and been reaped.
func (c *Child) Exited() <-chan struct{} { return c.exited }

// Stop ends the child and everything in its group (see the package
// comment), reaps it, closes both pipes and returns the child's exit error.
// Nothing more is read from the child: a child still writing gets EPIPE
// (SIGPIPE) at once, as ncat's does, rather than blocking on a full pipe
// for the grace period.
func (c *Child) Stop() error {
	c.Stdin.Close()
	c.Stdout.f.Close()
	if !c.waitExit(c.spec.StopGrace) {
		c.grp.terminate()
		if !c.waitExit(c.spec.StopGrace) {
			c.grp.kill()
			<-c.exited
		}
	}
	// The child is gone; end anything it left in its group too.
	c.grp.terminate()
	c.grp.release()
	return c.err
}

// Kill ends the child's group at once (gcat itself is exiting).
func (c *Child) Kill() {
	c.Stdin.Close()
	c.grp.terminate()
	if !c.waitExit(c.spec.StopGrace) {
		c.grp.kill()
		<-c.exited
	}
	c.grp.release()
	c.Stdout.f.Close()
}

// group is the set of processes Stop and Kill end: the child and what it
// started. Errors are not reported: the processes may be gone already.
type group interface {
	// terminate asks every process of the group to end.
	terminate()
	// kill ends every process of the group at once.
	kill()
	// release frees what the group holds, once the child is reaped.
	release()
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

// Output is the read end of the child's stdout.
type Output struct {
	f      *os.File
	grace  time.Duration
	exited atomic.Bool
}

// Read reads the child's output. After the child has exited, a read that
// stays blocked for the grace period (a grandchild holds the pipe open and
// writes nothing) returns io.EOF.
func (o *Output) Read(p []byte) (n int, err error) {
	err = o.graced(func() error {
		n, err = o.f.Read(p)
		return err
	})
	return n, err
}

// graced applies the grace period to one wait on the pipe.
func (o *Output) graced(wait func() error) error {
	if o.exited.Load() {
		o.f.SetReadDeadline(time.Now().Add(o.grace))
	}
	err := wait()
	if errors.Is(err, os.ErrDeadlineExceeded) && o.exited.Load() {
		err = io.EOF
	}
	return err
}

// SyscallConn gives the pipe to a relay that reads it with raw system
// calls. Its Read applies the same policy as Output.Read: after the child
// has exited, a wait longer than the grace period ends with io.EOF.
func (o *Output) SyscallConn() (syscall.RawConn, error) {
	rc, err := o.f.SyscallConn()
	if err != nil {
		return nil, err
	}
	return outputConn{rc, o}, nil
}

type outputConn struct {
	syscall.RawConn
	o *Output
}

func (c outputConn) Read(f func(fd uintptr) bool) error {
	return c.o.graced(func() error { return c.RawConn.Read(f) })
}

// SetReadDeadline lets the relay interrupt a blocked Read.
func (o *Output) SetReadDeadline(t time.Time) error { return o.f.SetReadDeadline(t) }

// Close closes the read end; the child gets SIGPIPE if it writes again.
func (o *Output) Close() error { return o.f.Close() }

func (o *Output) childExited() {
	o.exited.Store(true)
	o.f.SetReadDeadline(time.Now().Add(o.grace))
}
