//go:build linux

package tests

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stalledClient connects and never reads: what the server sends it piles
// up in its socket buffers, which it keeps small.
func stalledClient(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestHubStalledClient: in -lk (the hub), a client that never reads does
// not hold up the others: 10 readers each get all of 4 MiB of stdin, and
// its EOF; SIGTERM then ends the server at once, stalled client or not.
func TestHubStalledClient(t *testing.T) {
	in, w := hcPipe(t)
	srv := startIO(t, in, nil, gcatBin, "-lkv", "127.0.0.1", "0")
	addr := srv.listenAddr()
	stalledClient(t, addr)
	var readers []net.Conn
	for i := 0; i < 10; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(bound))
		readers = append(readers, c)
	}
	srv.waitLines("Connection from", 11)
	data := make([]byte, 4<<20)
	rand.Read(data)
	go func() {
		w.Write(data)
		w.Close()
	}()
	var wg sync.WaitGroup
	for i, c := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := io.ReadAll(c)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("reader %d got %d of %d bytes, %v", i, len(got), len(data), err)
			}
		}()
	}
	wg.Wait()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if code := srv.wait(); code != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit %d after SIGTERM\nstderr: %s", code, srv.stderr.String())
	}
}

// TestHubDropsStalledClient: a hub client that falls too far behind the
// fastest is dropped, with a -v line; the reader gets everything.
func TestHubDropsStalledClient(t *testing.T) {
	data := make([]byte, 64<<20)
	rand.Read(data)
	file := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	in, w := hcPipe(t)
	srv := startIO(t, in, nil, gcatBin, "-lkv", "127.0.0.1", "0")
	addr := srv.listenAddr()
	stalled := stalledClient(t, addr)
	reader, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	reader.SetDeadline(time.Now().Add(bound))
	srv.waitLines("Connection from", 2)
	go func() {
		f, err := os.Open(file)
		if err == nil {
			io.Copy(w, f)
			f.Close()
		}
		w.Close()
	}()
	got, err := io.ReadAll(reader)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the reader got %d of %d bytes, %v", len(got), len(data), err)
	}
	srv.waitStderr(regexp.MustCompile(`(dropped ` + regexp.QuoteMeta(stalled.LocalAddr().String()) + `: more than \d+ bytes waiting for it)`))
}

// TestAcceptRecovery: out of descriptors, a server logs the accept failure
// once, waits, and serves again once descriptors are free.
func TestAcceptRecovery(t *testing.T) {
	in, w := hcPipe(t)
	defer w.Close()
	srv := startIO(t, in, nil, "/bin/sh", "-c", `ulimit -n 24 && exec "$0" -lkv 127.0.0.1 0`, gcatBin)
	addr := srv.listenAddr()
	const failed = "gcat: accept: too many open files"
	var conns []net.Conn
	for i := 0; !strings.Contains(srv.stderr.String(), failed); i++ {
		if i == 100 {
			t.Fatalf("no accept failure after 100 connections\nstderr: %s", srv.stderr.String())
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		line := fmt.Sprintf("client %d\n", i)
		fmt.Fprint(c, line)
		srv.waitUntil("served or out of descriptors", func() bool {
			return strings.Contains(srv.stdout.String(), line) || strings.Contains(srv.stderr.String(), failed)
		})
	}
	for _, c := range conns {
		c.Close()
	}
	// The kernel fails accept(2) for want of a descriptor even with no
	// connection waiting: the next one is served once the server has
	// closed the others'.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "served again\n")
	srv.waitStdoutContains("served again\n")
	srv.waitUntil("recovered", func() bool { return strings.Contains(srv.stderr.String(), "gcat: accepting connections again\n") })
	if n := strings.Count(srv.stderr.String(), "accept: too many open files"); n != 1 {
		t.Errorf("the failure logged %d times:\n%s", n, srv.stderr.String())
	}
}

// resetAfter connects to addr, sends data, and resets the connection
// (SO_LINGER 0) as a crashed or killed client would.
func resetAfter(t *testing.T, addr string, data []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(data)
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// TestResetNamesConnection: a peer's reset is that connection's failure,
// exit 1, whatever the local end: stdout (spliced to a pipe) or a -c child.
func TestResetNamesConnection(t *testing.T) {
	for _, mode := range [][]string{nil, {"-c", "cat >/dev/null; echo done"}} {
		t.Run(strings.Join(append([]string{"-l"}, mode...), " "), func(t *testing.T) {
			out, outW := hcPipe(t)
			go io.Copy(io.Discard, out)
			in, _ := hcPipe(t) // stdin stays open and idle
			srv := hcGcat(t, in, outW, append([]string{"-lv", "127.0.0.1", "0"}, mode...)...)
			addr := srv.listenAddr()
			resetAfter(t, addr, bytes.Repeat([]byte("x"), 64<<10))
			code := srv.wait()
			re := regexp.MustCompile(`\ngcat: connection with 127\.0\.0\.1:\d+: connection reset by peer\n`)
			if code != 1 || !re.MatchString(srv.stderr.String()) || strings.Contains(srv.stderr.String(), "stdout") {
				t.Fatalf("exit %d, stderr %q", code, srv.stderr.String())
			}
		})
	}
}

// TestStaleUnixSocket: a socket file left by a server that died is named
// as such, with what to do about it; a live one is not.
func TestStaleUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	first := gcat(t, nil, "-lkvU", sock)
	first.listenAddr()
	live := gcat(t, nil, "-lU", sock)
	if code := live.wait(); code != 1 || !strings.Contains(live.stderr.String(), "hint: another program is listening on that socket") {
		t.Fatalf("over a live socket: exit %d, %q", code, live.stderr.String())
	}
	first.cmd.Process.Signal(syscall.SIGKILL) // leaves the file behind
	first.wait()
	stale := gcat(t, nil, "-lU", sock)
	want := "gcat: listen on " + sock + ": address already in use\ngcat: hint: nothing answers on " + sock + ": a server that has gone left it; remove it (rm " + sock + ") and try again\n"
	if code := stale.wait(); code != 1 || stale.stderr.String() != want {
		t.Fatalf("over a stale socket: exit %d, %q", code, stale.stderr.String())
	}
}
