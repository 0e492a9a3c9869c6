package sys

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestPollablePipe: a pipe comes back as a file whose blocked read a
// deadline ends, and the original descriptor stays blocking.
func TestPollablePipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// os.Pipe's ends are non-blocking, as a shell's are not; Fd makes
	// r blocking.
	fd := int(r.Fd())
	p := Pollable(r)
	if p == nil {
		t.Fatal("Pollable(pipe) = nil")
	}
	defer p.Close()
	p.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := p.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read = %v, want a deadline error", err)
	}
	fl, err := fcntlFlags(fd)
	if err != nil || fl&syscall.O_NONBLOCK != 0 {
		t.Errorf("the shared descriptor became non-blocking (flags %#x, %v)", fl, err)
	}
	w.Write([]byte("x"))
	p.SetReadDeadline(time.Time{})
	if n, err := p.Read(make([]byte, 1)); n != 1 {
		t.Errorf("read after the deadline: %d, %v", n, err)
	}
}

func fcntlFlags(fd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

func TestPollableRegularFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p := Pollable(f); p != nil {
		p.Close()
		t.Error("Pollable(regular file) != nil")
	}
}

func TestFileLimit(t *testing.T) {
	cur, max, err := FileLimit()
	var lim syscall.Rlimit
	if err2 := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || err2 != nil || cur != lim.Cur || max != lim.Max || cur == 0 {
		t.Errorf("FileLimit = %d, %d, %v; getrlimit says %d, %d", cur, max, err, lim.Cur, lim.Max)
	}
}
