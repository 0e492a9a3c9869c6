package exec

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// threads is the number of OS threads of this process.
func threads(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Fatal("no Threads line")
	return 0
}

// TestNoThreadPerChild: children that run a long time hold no OS thread
// each while gcat waits for them (the pidfd is polled), so a server's
// children cannot reach Go's limit of 10,000 threads.
func TestNoThreadPerChild(t *testing.T) {
	const n = 200
	var children []*Child
	t.Cleanup(func() {
		for _, c := range children {
			c.Kill()
		}
	})
	for i := 0; i < n; i++ {
		c, err := Start(Spec{Argv: []string{"/bin/sh", "-c", "echo started; exec sleep 60"}})
		if err != nil {
			t.Fatal(err)
		}
		children = append(children, c)
		if line, _ := bufio.NewReader(c.Stdout).ReadString('\n'); line != "started\n" {
			t.Fatalf("child %d said %q", i, line)
		}
	}
	if got := threads(t); got >= n/2 {
		t.Fatalf("%d threads for %d waiting children", got, n)
	}
}

// TestStopEndsAWriter: a child still writing when its connection is over
// dies of SIGPIPE at once, as ncat's does, instead of holding its slot
// until it is sent SIGTERM after the grace.
func TestStopEndsAWriter(t *testing.T) {
	c, err := Start(Spec{Argv: []string{"/bin/cat", "/dev/zero"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stdout.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	err = c.Stop()
	var ee interface{ Sys() any }
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGPIPE {
		t.Fatalf("Stop = %v, want death by SIGPIPE", err)
	}
}
