//go:build linux

package tests

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestKeepOpenExecConcurrentClients: -lk gives every one of 50 clients
// connected at once its own child (-e: a script, no shell in between; -c:
// through sh). Every child greets with its PID first, so all 50 are alive
// together; then each client sends its own message and gets back exactly
// its own reply — with -e tagged with the port the child was told is its
// peer's, with -c upper-cased, up to 50 KB long.
func TestKeepOpenExecConcurrentClients(t *testing.T) {
	script := writeScript(t, t.TempDir(), "token", `echo "$$"; read line; echo "$NCAT_REMOTE_PORT $line"`)
	for _, mode := range []struct {
		name  string
		args  []string
		msg   func(i int) string
		reply func(c net.Conn, msg string) string
	}{
		{"-e", []string{"-e", script},
			func(i int) string { return fmt.Sprintf("token-%d-%d\n", i, time.Now().UnixNano()) },
			func(c net.Conn, msg string) string {
				_, port := hostPort(t, c.LocalAddr().String())
				return port + " " + msg
			}},
		{"-c", []string{"-c", "echo $$; tr a-z A-Z"},
			func(i int) string { return fmt.Sprintf("client %d says %s\n", i, strings.Repeat("x", i*1000)) },
			func(_ net.Conn, msg string) string { return strings.ToUpper(msg) }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			srv := gcat(t, nil, append([]string{"-lkv", "127.0.0.1", "0"}, mode.args...)...)
			conns, readers := greetedClients(t, srv.listenAddr(), 50)
			var wg sync.WaitGroup
			for i, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					msg := mode.msg(i)
					if _, err := c.Write([]byte(msg)); err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					c.(*net.TCPConn).CloseWrite()
					got, err := io.ReadAll(readers[i])
					if want := mode.reply(c, msg); err != nil || string(got) != want {
						t.Errorf("client %d got %q, %v; want %q", i, got, err, want)
					}
				}()
			}
			wg.Wait()
		})
	}
}

// greetedClients connects n clients to a -lk server whose children greet
// with their PID, and checks that every client has a child of its own.
func greetedClients(t *testing.T, addr string, n int) ([]net.Conn, []*bufio.Reader) {
	t.Helper()
	var conns []net.Conn
	var readers []*bufio.Reader
	pids := map[string]int{}
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(bound))
		r := bufio.NewReader(c)
		pid, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("client %d: no greeting: %v", i, err)
		}
		if j, dup := pids[pid]; dup {
			t.Fatalf("clients %d and %d share the child %s", j, i, strings.TrimSpace(pid))
		}
		pids[pid] = i
		conns, readers = append(conns, c), append(readers, r)
	}
	return conns, readers
}

// TestKeepOpenBroadcast: -lk without -e, as ncat: every client's data goes
// to stdout, and stdin goes to every connected client; stdin's EOF is
// passed on to all of them.
func TestKeepOpenBroadcast(t *testing.T) {
	in, w := hcPipe(t)
	srv := startIO(t, in, nil, gcatBin, "-lkv", "127.0.0.1", "0")
	addr := srv.listenAddr()
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(bound))
		conns = append(conns, c)
	}
	srv.waitLines("Connection from", 3)
	for i, c := range conns {
		fmt.Fprintf(c, "from %d\n", i)
	}
	w.Write([]byte("to all\n"))
	w.Close()
	for i, c := range conns {
		got, err := io.ReadAll(c) // ends with the EOF passed on
		if err != nil || string(got) != "to all\n" {
			t.Fatalf("client %d got %q, %v", i, got, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	// Every client's line reaches stdout, whole, in any order.
	deadline := time.Now().Add(bound)
	for len(scanLines(srv.stdout.Bytes())) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("stdout %q", srv.stdout.String())
		}
		time.Sleep(5 * time.Millisecond) // stdout has no event to wait on
	}
	for i := 0; i < 3; i++ {
		if !strings.Contains(srv.stdout.String(), fmt.Sprintf("from %d\n", i)) {
			t.Fatalf("stdout %q lacks client %d", srv.stdout.String(), i)
		}
	}
}

// childPIDs connects n clients to a server whose child prints its PID
// first, and returns the connections and PIDs.
func childPIDs(t *testing.T, network, addr string, n int) ([]net.Conn, []int) {
	t.Helper()
	var conns []net.Conn
	var pids []int
	for i := 0; i < n; i++ {
		c, err := net.Dial(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(bound))
		line, err := bufio.NewReader(c).ReadString('\n')
		pid, perr := strconv.Atoi(strings.TrimSpace(line))
		if err != nil || perr != nil {
			t.Fatalf("child said %q, %v", line, err)
		}
		conns = append(conns, c)
		pids = append(pids, pid)
	}
	return conns, pids
}

// waitGone polls (there is no event for another process's end) until pid
// no longer exists or is a zombie of somebody else's.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive: %s", pid, stat)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSignalsEndChildren: SIGTERM and SIGINT to a -lk -e server with live
// connections end every child (and what it started) and the server, with
// 128+signal; a Unix socket file it created is removed.
func TestSignalsEndChildren(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		for _, unix := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/unix=%v", sig, unix), func(t *testing.T) {
				script := `echo $$; sleep 1000 & wait`
				args := []string{"-lkv", "127.0.0.1", "0", "-c", script}
				network := "tcp"
				sock := filepath.Join(t.TempDir(), "s")
				if unix {
					args = []string{"-lkvU", sock, "-c", script}
					network = "unix"
				}
				srv := gcat(t, nil, args...)
				addr := srv.listenAddr()
				_, pids := childPIDs(t, network, addr, 3)
				srv.cmd.Process.Signal(sig)
				if code := srv.wait(); code != 128+int(sig) {
					t.Fatalf("exit %d, want %d: %s", code, 128+int(sig), srv.stderr.String())
				}
				for _, pid := range pids {
					waitGone(t, pid)
				}
				if unix {
					if _, err := os.Stat(sock); !os.IsNotExist(err) {
						t.Fatalf("socket file left behind: %v", err)
					}
				}
			})
		}
	}
}

// TestUnixSocketLifecycle: the socket file exists while gcat listens, is
// removed after a normal end, and a second listener on it fails cleanly.
func TestUnixSocketLifecycle(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	srv := gcat(t, strings.NewReader("reply"), "-lvU", sock)
	srv.listenAddr()
	second := gcat(t, nil, "-lU", sock)
	if code := second.wait(); code != 1 || !strings.Contains(second.stderr.String(), "gcat: listen on "+sock+": address already in use") {
		t.Fatalf("second listener: exit %d, %q", code, second.stderr.String())
	}
	cli := gcat(t, strings.NewReader("request"), "-U", sock)
	cli.mustSucceed()
	srv.mustSucceed()
	if cli.stdout.String() != "reply" || srv.stdout.String() != "request" {
		t.Fatalf("client got %q, server %q", cli.stdout.String(), srv.stdout.String())
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}
