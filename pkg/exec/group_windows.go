package exec

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Shell is the argv that runs command through the system's shell, as
// ncat's -c does on Windows: %ComSpec% /C command (cmd.exe /C).
func Shell(command string) []string {
	shell := os.Getenv("ComSpec")
	if shell == "" {
		shell = "cmd.exe"
	}
	return []string{shell, "/C", command}
}

// sysProcAttr starts the child suspended, so that newGroup puts it in its
// job before it can start anything, and in a console process group of its
// own: Ctrl-C at gcat's console does not reach it, and terminate can send
// it CTRL_BREAK_EVENT.
//
// For cmd.exe /C the command line is written as it is: Go would quote the
// command as one argument, and cmd.exe, which does not unquote its
// arguments, would then see the quotes (cmd.exe /C "echo \"hi\"").
func sysProcAttr(argv []string) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED}
	a.CmdLine, _ = cmdCLine(argv)
	return a
}

// job is a job object holding the child and every process it starts.
// Closing its last handle ends them all (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE),
// so nothing outlives gcat.
type job struct {
	h   windows.Handle
	pid uint32
}

// newGroup puts p, started suspended, in a new job object, then lets it
// run.
func newGroup(p *os.Process) (group, error) {
	h, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create job object: %w", err)
	}
	j := &job{h: h, pid: uint32(p.Pid)}
	if err := j.assign(); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	if err := resume(j.pid); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	return j, nil
}

// assign sets the job's kill-on-close limit and puts the process in it.
func (j *job) assign() error {
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(j.h, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		return fmt.Errorf("set job object limits: %w", err)
	}
	ph, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, j.pid)
	if err != nil {
		return fmt.Errorf("open process %d: %w", j.pid, err)
	}
	defer windows.CloseHandle(ph)
	if err := windows.AssignProcessToJobObject(j.h, ph); err != nil {
		return fmt.Errorf("assign process %d to its job object: %w", j.pid, err)
	}
	return nil
}

// resume starts the threads of a process created suspended (its main
// thread: os.StartProcess does not keep the thread's handle).
func resume(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("resume process %d: %w", pid, err)
	}
	defer windows.CloseHandle(snap)
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("resume process %d: %w", pid, err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return fmt.Errorf("resume process %d: %w", pid, err)
		}
		resumed++
	}
	if resumed == 0 {
		return fmt.Errorf("resume process %d: no thread found", pid)
	}
	return nil
}

// terminate sends CTRL_BREAK_EVENT to the child's console process group,
// Windows's nearest to SIGTERM. Without a shared console it does nothing,
// and kill or release ends the job.
func (j *job) terminate() { windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, j.pid) }

// kill ends every process of the job.
func (j *job) kill() { windows.TerminateJobObject(j.h, 1) }

// release closes the job, which ends whatever is still in it.
func (j *job) release() { windows.CloseHandle(j.h) }
