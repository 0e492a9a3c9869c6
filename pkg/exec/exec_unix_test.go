//go:build unix

package exec

import (
	"bufio"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopEscalates: a child that ignores EOF and SIGTERM is killed.
func TestStopEscalates(t *testing.T) {
	s := helper(t, "stubborn")
	s.StopGrace = 50 * time.Millisecond
	c, err := Start(s)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(c.Stdout).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("child said %q", line)
	}
	done := make(chan error, 1)
	go func() { done <- c.Stop() }()
	select {
	case err := <-done:
		var ee interface{ Sys() any }
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("Stop = %v, want death by SIGKILL", err)
		}
	case <-time.After(bound):
		t.Fatal("Stop did not return")
	}
}

// TestGrandchildHoldingStdout: once the child has exited, a grandchild that
// keeps the pipe open but silent does not keep the output open forever, and
// Stop ends the grandchild too.
func TestGrandchildHoldingStdout(t *testing.T) {
	s := helper(t, "grandchild")
	s.OutputGrace = 50 * time.Millisecond
	c, err := Start(s)
	if err != nil {
		t.Fatal(err)
	}
	out := readAll(t, c.Stdout) // ends by the grace, not by the pipe
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("child said %q", out)
	}
	c.Stop()
	deadline := time.Now().Add(bound)
	for syscall.Kill(pid, 0) == nil {
		// The grandchild is not our child: poll for it to vanish.
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still alive after Stop", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShell: -c's argv runs the command line through /bin/sh.
func TestShell(t *testing.T) {
	c, err := Start(Spec{Argv: Shell("echo $((6*7)) | tr 4 X")})
	if err != nil {
		t.Fatal(err)
	}
	c.Stdin.Close()
	if got := readAll(t, c.Stdout); got != "X2\n" {
		t.Errorf("output %q, want %q", got, "X2\n")
	}
	if err := c.Stop(); err != nil {
		t.Errorf("Stop = %v", err)
	}
}
