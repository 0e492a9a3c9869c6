//go:build unix

package exec

import (
	"os"
	"syscall"
)

// Shell is the argv that runs command through the system's shell, as
// ncat's -c does: /bin/sh -c command.
func Shell(command string) []string { return []string{"/bin/sh", "-c", command} }

// sysProcAttr puts the child in a process group of its own, which it
// leads: its pid is the group's id. Terminal signals meant for gcat's
// group (Ctrl-C) do not reach it either.
func sysProcAttr([]string) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// pgroup is a process group, by its id.
type pgroup int

func newGroup(p *os.Process) (group, error) { return pgroup(p.Pid), nil }

func (g pgroup) terminate() { syscall.Kill(-int(g), syscall.SIGTERM) }
func (g pgroup) kill()      { syscall.Kill(-int(g), syscall.SIGKILL) }
func (g pgroup) release()   {}

// pipe is os.Pipe: both ends of a Unix pipe are pollable, so the
// parent's end takes deadlines.
func pipe(bool) (r, w *os.File, err error) { return os.Pipe() }
