//go:build linux

package tests

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// openFDs counts pid's open file descriptors, leaving out pipes whose two
// ends are both in pid: those are the Go runtime's splice buffers, which it
// pools (sync.Pool) and frees at a later GC. A child's pipe has only one end
// in gcat, so every one leaked by gcat is still counted.
func openFDs(t *testing.T, pid int) int {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pipes := map[string]int{}
	for _, e := range ents {
		if l, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(l, "pipe:") {
			pipes[l]++
		}
	}
	n := len(ents)
	for _, c := range pipes {
		if c == 2 {
			n -= 2
		}
	}
	return n
}

// children lists pid's child processes and their states.
func children(pid int) map[int]string {
	out := map[int]string{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var child int
		if _, err := fmt.Sscanf(e.Name(), "%d", &child); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name: state ppid ...
		s := string(stat)
		rest := s[strings.LastIndexByte(s, ')')+2:]
		var state string
		var ppid int
		fmt.Sscanf(rest, "%s %d", &state, &ppid)
		if ppid == pid {
			out[child] = state
		}
	}
	return out
}

// TestNoLeaksAfterManyConnections: 1000 connections to -lk -e leave no
// zombie child and no extra descriptor in the server.
func TestNoLeaksAfterManyConnections(t *testing.T) {
	// GOGC=off: a descriptor gcat forgets to close would otherwise be
	// closed by the garbage collector's finalizers and hide here.
	t.Setenv("GOGC", "off")
	srv := gcat(t, nil, "-lk", "-v", "127.0.0.1", "0", "-e", "/bin/echo hi")
	addr := srv.listenAddr()
	pid := srv.cmd.Process.Pid
	hit := func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(bound))
		c.(*net.TCPConn).CloseWrite()
		if got, err := io.ReadAll(c); err != nil || string(got) != "hi\n" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	// settled waits until the server has finished with every connection:
	// no child left and the descriptor count back to at most want. There
	// is no event for that in another process, so poll.
	settled := func(want int) int {
		deadline := time.Now().Add(bound)
		for {
			n := openFDs(t, pid)
			kids := children(pid)
			if len(kids) == 0 && (want < 0 || n <= want) {
				return n
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the connections: %d fds (want <= %d), children %v", n, want, kids)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for i := 0; i < 20; i++ { // warm-up: the runtime's own descriptors
		hit()
	}
	base := settled(-1)
	for i := 0; i < 1000; i++ {
		hit()
	}
	// A zombie is a child too: settled fails unless every one was reaped.
	settled(base)
}

// TestStubbornChildIsKilled: a child that closes its stdout but ignores
// its EOF and SIGTERM still gets its output delivered, and is killed after
// the grace periods (SIGTERM, then SIGKILL): the client sees EOF at once and
// no process is left.
func TestStubbornChildIsKilled(t *testing.T) {
	srv := gcat(t, nil, "-lkv", "127.0.0.1", "0", "-c", `trap "" TERM; echo $$; exec >&- 0<&-; while :; do sleep 1; done`)
	addr := srv.listenAddr()
	conns, pids := childPIDs(t, "tcp", addr, 1)
	conns[0].(*net.TCPConn).CloseWrite()
	if rest, err := io.ReadAll(conns[0]); err != nil || len(rest) != 0 {
		t.Fatalf("after the pid: %q, %v", rest, err)
	}
	waitGone(t, pids[0])
	srv.cmd.Process.Kill()
}
