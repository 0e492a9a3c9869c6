//go:build unix && !aix

package ptyexec

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// bound caps every wait; nothing waits for a fixed time.
const bound = 30 * time.Second

// screen collects what a child's terminal shows.
type screen struct {
	t    *testing.T
	c    *Child
	mu   sync.Mutex
	buf  bytes.Buffer
	mark int           // expect searches from here
	err  error         // how reading ended, once ended is closed
	tick chan struct{} // receives after each change
	end  chan struct{}
}

// run starts spec and a reader of its terminal; the child is stopped at
// the end of the test.
func run(t *testing.T, spec Spec) *screen {
	t.Helper()
	c, err := Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	s := &screen{t: t, c: c, tick: make(chan struct{}, 1), end: make(chan struct{})}
	go s.read()
	t.Cleanup(func() {
		c.Stop()
		<-s.end
	})
	return s
}

func (s *screen) read() {
	defer close(s.end)
	p := make([]byte, 4096)
	for {
		n, err := s.c.Stdout.Read(p)
		s.mu.Lock()
		s.buf.Write(p[:n])
		if err != nil {
			s.err = err
		}
		s.mu.Unlock()
		select {
		case s.tick <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// expect waits for pattern in the output after the previous match and
// returns its submatches.
func (s *screen) expect(pattern string) []string {
	s.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.NewTimer(bound)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		out := s.buf.Bytes()[s.mark:]
		if m := re.FindSubmatchIndex(out); m != nil {
			subs := make([]string, len(m)/2)
			for i := range subs {
				if m[2*i] >= 0 {
					subs[i] = string(out[m[2*i]:m[2*i+1]])
				}
			}
			s.mark += m[1]
			s.mu.Unlock()
			return subs
		}
		ended, all := s.err != nil, s.buf.String()
		s.mu.Unlock()
		if ended {
			s.t.Fatalf("output ended without %q; output:\n%q", pattern, all)
		}
		select {
		case <-s.tick:
		case <-deadline.C:
			s.t.Fatalf("no %q within %v; output:\n%q", pattern, bound, all)
		}
	}
}

// type_ writes to the terminal as a user types.
func (s *screen) type_(text string) {
	s.t.Helper()
	if _, err := s.c.Stdin.Write([]byte(text)); err != nil {
		s.t.Fatalf("typing %q: %v", text, err)
	}
}

// wait waits for the output's end and returns all of it and how it ended.
func (s *screen) wait() (string, error) {
	s.t.Helper()
	select {
	case <-s.end:
	case <-time.After(bound):
		s.t.Fatalf("output did not end; output:\n%q", s.all())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String(), s.err
}

func (s *screen) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// exited waits for the child's exit.
func (s *screen) exited() {
	s.t.Helper()
	select {
	case <-s.c.Exited():
	case <-time.After(bound):
		s.t.Fatalf("child did not exit; output:\n%q", s.all())
	}
}

// foreground waits until the terminal's foreground process group is led
// by a process running name, and returns that group.
func (s *screen) foreground(name string) int {
	s.t.Helper()
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		var fg int
		control(s.c.master, func(fd int) error {
			var err error
			fg, err = unix.IoctlGetInt(fd, unix.TIOCGPGRP)
			return err
		})
		if fg > 0 && fg != s.c.Pid() && command(fg) == name {
			return fg
		}
		time.Sleep(10 * time.Millisecond) // polling a state with no event to wait on
	}
	s.t.Fatalf("%s never came to the foreground; output:\n%q", name, s.all())
	return 0
}

// command is the name of the program pid runs, "" if none.
func command(pid int) string {
	out, _ := exec.Command("ps", "-o", "comm=", "-p", strconv.Itoa(pid)).Output()
	return strings.TrimSpace(string(out))
}

// gone reports whether pid has ended (a zombie whose parent is not ours
// counts: it no longer runs).
func gone(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return true
	}
	out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	st := strings.TrimSpace(string(out))
	return st == "" || st[0] == 'Z'
}

// waitGone waits for pid to end.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !gone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d (%s) still runs", pid, command(pid))
		}
		time.Sleep(10 * time.Millisecond) // no event tells us of another's exit
	}
}

// shell returns a Spec for an interactive shell with a known prompt and
// no startup files.
func shell(t *testing.T, name string) Spec {
	argv := map[string][]string{
		"sh":   {"sh", "-i"},
		"bash": {"bash", "--norc", "--noprofile", "-i"},
	}[name]
	if _, err := exec.LookPath(argv[0]); err != nil {
		t.Fatalf("%s is needed for this test: %v", argv[0], err)
	}
	return Spec{Argv: argv, Env: []string{"PS1=$ ", "ENV=", "HISTFILE=/dev/null"}}
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); ch <- string(b) }()
	select {
	case s := <-ch:
		return s
	case <-time.After(bound):
		t.Fatal("output did not end")
	}
	return ""
}
