//go:build unix && !aix

package ptyexec

import (
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndOfInputHangsUp: by default the end of input hangs the session
// up, jobs included, and what the terminal showed before is delivered.
func TestEndOfInputHangsUp(t *testing.T) {
	s := run(t, shell(t, "bash"))
	s.type_("sleep 101 & echo bg=$!\r")
	bg, _ := strconv.Atoi(s.expect(`bg=(\d+)\r\n`)[1])
	s.type_("sleep 100\r")
	fg := s.foreground("sleep")
	if err := s.c.Stdin.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wait(); err == nil || err.Error() != "EOF" {
		t.Errorf("output ended with %v; want EOF", err)
	}
	s.exited()
	var ee *exec.ExitError
	if err := s.c.Stop(); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGHUP {
		t.Errorf("shell ended with %v; want SIGHUP", err)
	}
	waitGone(t, fg)
	waitGone(t, bg)
}

// TestHangupKeepsOutput: what the child writes when it is hung up reaches
// the reader: the master stays open.
func TestHangupKeepsOutput(t *testing.T) {
	s := run(t, Spec{Argv: []string{"sh", "-c", `trap 'echo saved; exit 0' HUP; echo ready; read x; echo not reached`}})
	s.expect(`ready\r\n`)
	if err := s.c.Stdin.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := s.c.Stdin.CloseWrite(); err != nil { // a second one does nothing
		t.Fatal(err)
	}
	out, err := s.wait()
	if err == nil || err.Error() != "EOF" || !strings.HasSuffix(out, "ready\r\nsaved\r\n") {
		t.Errorf("output %q, %v; want it to end with saved, then EOF", out, err)
	}
	s.exited()
	if err := s.c.Stop(); err != nil {
		t.Errorf("child: %v", err)
	}
}

// TestEndOfInput: with EOFKey, CloseWrite is the end of file of a program
// that reads its terminal line by line, after all the input before it.
func TestEndOfInput(t *testing.T) {
	for _, tt := range []struct {
		name, in, out string
	}{
		// Echoed input, then cat's copy: the EOF came after the line.
		{"line", "hello\n", "hello\r\nhello\r\n"},
		{"cr", "hello\r", "hello\r\nhello\r\n"},
		// The first ^D hands "abc" over, the second is the EOF.
		{"partial", "abc", "abcabc"},
		{"empty", "", ""},
		{"lines", "a\nb\nc\n", "a\r\nb\r\nc\r\na\r\nb\r\nc\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Start(Spec{Argv: []string{"cat"}, EOFKey: true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Stop()
			if _, err := c.Stdin.Write([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if err := c.Stdin.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			out := readAll(t, c.Stdout)
			// Some systems echo ^D as "^D\b\b".
			out = strings.ReplaceAll(out, "^D\b\b", "")
			if out != tt.out {
				t.Errorf("cat shows %q; want %q", out, tt.out)
			}
			if err := c.Stop(); err != nil {
				t.Errorf("cat: %v", err)
			}
		})
	}
}

// TestEndOfInputShell: with EOFKey, a shell reading lines runs every command sent
// before the end of input, then exits; a hangup would have ended it
// before it read them.
func TestEndOfInputShell(t *testing.T) {
	spec := shell(t, "sh")
	spec.EOFKey = true
	c, err := Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.Stdin.Write([]byte("echo A$((1+1)); sleep 0.1; echo B$((2+2))\n"))
	if err := c.Stdin.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	out := readAll(t, c.Stdout)
	if !strings.Contains(out, "A2\r\n") || !strings.Contains(out, "B4\r\n") {
		t.Errorf("output %q lacks A2 and B4", out)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("sh: %v", err)
	}
}

// TestEndOfInputReadline: with EOFKey, bash at its prompt reads keys; the end of input
// is the ^D that ends it.
func TestEndOfInputReadline(t *testing.T) {
	spec := shell(t, "bash")
	spec.EOFKey = true
	s := run(t, spec)
	s.type_("echo A$((1+1))\r")
	s.expect(`A2\r\n.*\$ $`)
	if err := s.c.Stdin.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	s.exited()
	if err := s.c.Stop(); err != nil {
		t.Errorf("bash: %v", err)
	}
}

// TestNoEOFCharHangsUp: with EOFKey, a terminal without an EOF character
// is hung up at the end of input.
func TestNoEOFCharHangsUp(t *testing.T) {
	spec := shell(t, "sh")
	spec.EOFKey = true
	s := run(t, spec)
	s.type_("stty eof undef; echo U$((1+1))\r")
	s.expect(`U2\r\n`)
	if err := s.c.Stdin.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	s.exited()
	var ee *exec.ExitError
	if err := s.c.Stop(); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGHUP {
		t.Errorf("shell ended with %v; want SIGHUP", err)
	}
}

// TestWriteAfterExit: the terminal's input has no reader once the child
// has exited: writes fail with EPIPE, at once or when blocked.
func TestWriteAfterExit(t *testing.T) {
	// stty -icanon: without a line to wait for, the input queue fills
	// and a write blocks, until the child's exit ends it.
	c, err := Start(Spec{Argv: []string{"sh", "-c", "stty -icanon -echo; echo ready; read x; exec sleep 100"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	p := make([]byte, 64)
	if n, _ := c.Stdout.Read(p); !strings.Contains(string(p[:n]), "ready") {
		t.Fatalf("got %q", p[:n])
	}
	werr := make(chan error, 1)
	go func() {
		big := []byte(strings.Repeat("x", 1<<20))
		_, err := c.Stdin.Write(big)
		werr <- err
	}()
	// The 1 MiB write cannot complete while nothing reads it; end the
	// child by its process group's pid.
	if !gone(c.Pid()) {
		syscall.Kill(c.Pid(), syscall.SIGKILL)
	}
	select {
	case err := <-werr:
		if !errors.Is(err, syscall.EPIPE) {
			t.Errorf("blocked write: %v; want EPIPE", err)
		}
	case <-time.After(bound):
		t.Fatal("a write blocked on a terminal nobody reads was not ended")
	}
	if _, err := c.Stdin.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("write after exit: %v; want EPIPE", err)
	}
	if err := c.Stdin.CloseWrite(); err != nil {
		t.Errorf("CloseWrite after exit: %v", err)
	}
}

// TestStopHangsUp: Stop ends a running session the way a hangup does: the
// shell passes SIGHUP on to its jobs, foreground and background.
func TestStopHangsUp(t *testing.T) {
	s := run(t, shell(t, "bash"))
	s.type_("sleep 101 & echo bg=$!\r")
	bg, _ := strconv.Atoi(s.expect(`bg=(\d+)\r\n`)[1])
	s.type_("sleep 100\r")
	fg := s.foreground("sleep")
	err := s.c.Stop()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGHUP {
		t.Errorf("shell ended with %v; want SIGHUP", err)
	}
	waitGone(t, fg)
	waitGone(t, bg)
}

// TestStopKills: a session that ignores the hangup is killed after
// StopGrace.
func TestStopKills(t *testing.T) {
	spec := Spec{Argv: []string{"sh", "-c", "trap '' HUP; sleep 100 & echo pid=$!; wait"}, StopGrace: 100 * time.Millisecond}
	s := run(t, spec)
	pid, _ := strconv.Atoi(s.expect(`pid=(\d+)\r\n`)[1])
	err := s.c.Stop()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("child ended with %v; want SIGKILL", err)
	}
	waitGone(t, pid)
	if _, err := s.wait(); err == nil {
		t.Error("output did not end")
	}
}

// TestChildExitEndsOutput: the child's exit ends the output even when a
// process it left behind ignores the hangup and holds the terminal.
func TestChildExitEndsOutput(t *testing.T) {
	spec := Spec{Argv: []string{"sh", "-c", "trap '' HUP; sleep 100 & echo pid=$!"}, OutputGrace: 100 * time.Millisecond}
	s := run(t, spec)
	pid, _ := strconv.Atoi(s.expect(`pid=(\d+)\r\n`)[1])
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	out, err := s.wait()
	if err == nil || err.Error() != "EOF" {
		t.Errorf("output ended with %v; want EOF", err)
	}
	if err := s.c.Stop(); err != nil {
		t.Errorf("child: %v", err)
	}
	if gone(pid) {
		t.Errorf("a process that ignores SIGHUP was ended (output %q)", out)
	}
}

// TestChildExitHangsUpGroup: what the child left in its process group is
// hung up when the child exits, and the output ends with it.
func TestChildExitHangsUpGroup(t *testing.T) {
	s := run(t, Spec{Argv: []string{"sh", "-c", "sleep 100 & echo pid=$!"}})
	pid, _ := strconv.Atoi(s.expect(`pid=(\d+)\r\n`)[1])
	if _, err := s.wait(); err == nil || err.Error() != "EOF" {
		t.Errorf("output ended with %v; want EOF", err)
	}
	s.c.Stop()
	waitGone(t, pid)
}
