package exec

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// TestShellCmdLine: -c's command line reaches cmd.exe as it was written,
// quotes and all, and runs.
func TestShellCmdLine(t *testing.T) {
	c, err := Start(Spec{Argv: Shell(`echo "a  b"& echo c`)})
	if err != nil {
		t.Fatal(err)
	}
	c.Stdin.Close()
	if got := readAll(t, c.Stdout); got != "\"a  b\"\r\nc\r\n" {
		t.Errorf("output %q", got)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("Stop = %v", err)
	}
}

// TestJobEndsGrandchild: once the child has exited, a grandchild that
// holds the output pipe open but silent does not keep it open past the
// grace (the parent's end takes deadlines), and Stop ends the grandchild
// through the job object.
func TestJobEndsGrandchild(t *testing.T) {
	s := helper(t, "grandchild")
	s.OutputGrace = 50 * time.Millisecond
	c, err := Start(s)
	if err != nil {
		t.Fatal(err)
	}
	out := readAll(t, c.Stdout)
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("child said %q", out)
	}
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		t.Fatalf("open grandchild %d: %v", pid, err)
	}
	defer windows.CloseHandle(h)
	c.Stop()
	if ev, err := windows.WaitForSingleObject(h, uint32(bound/time.Millisecond)); ev != windows.WAIT_OBJECT_0 {
		t.Fatalf("grandchild %d still alive after Stop (%d, %v)", pid, ev, err)
	}
}

// TestStopKills: a child that ignores its stdin's EOF is ended by Stop.
func TestStopKills(t *testing.T) {
	s := helper(t, "stubborn")
	s.StopGrace = 50 * time.Millisecond
	c, err := Start(s)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Stop() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Stop = nil, want the child's death")
		}
	case <-time.After(bound):
		t.Fatal("Stop did not return")
	}
}
