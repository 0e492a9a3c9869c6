package exec

import (
	"fmt"
	"os"
	"sync/atomic"

	"golang.org/x/sys/windows"
)

var pipeSeq atomic.Uint64

// pipe makes a pipe whose parent end is opened for overlapped I/O, so that
// os.NewFile puts it in the runtime poller and it takes deadlines (the
// output grace, and the relay interrupting a read), which os.Pipe's
// anonymous pipes do not. The child's end is an ordinary synchronous
// handle. parentReads says which end is the parent's: the read end (the
// child's stdout) or the write end (its stdin).
func pipe(parentReads bool) (r, w *os.File, err error) {
	name := fmt.Sprintf(`\\.\pipe\gcat-%d-%d`, os.Getpid(), pipeSeq.Add(1))
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, nil, err
	}
	access, childAccess := uint32(windows.PIPE_ACCESS_OUTBOUND), uint32(windows.GENERIC_READ)
	if parentReads {
		access, childAccess = windows.PIPE_ACCESS_INBOUND, windows.GENERIC_WRITE
	}
	// FIRST_PIPE_INSTANCE: fail rather than join a pipe someone else made
	// under this name; REJECT_REMOTE_CLIENTS: local only.
	server, err := windows.CreateNamedPipe(name16,
		access|windows.FILE_FLAG_OVERLAPPED|windows.FILE_FLAG_FIRST_PIPE_INSTANCE,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		1, 64<<10, 64<<10, 0, nil)
	if err != nil {
		return nil, nil, os.NewSyscallError("CreateNamedPipe", err)
	}
	client, err := windows.CreateFile(name16, childAccess, 0, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		windows.CloseHandle(server)
		return nil, nil, os.NewSyscallError("CreateFile", err)
	}
	parent := os.NewFile(uintptr(server), "|parent")
	child := os.NewFile(uintptr(client), "|child")
	if parentReads {
		return parent, child, nil
	}
	return child, parent, nil
}
