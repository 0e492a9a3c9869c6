package broker

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/sys"
)

// scaleClients is how many clients TestScale connects: ncat gives up at
// about 1,020 (select's FD_SETSIZE).
const scaleClients = 10000

// scaleMessage is what one client sends and all the others must receive.
const scaleMessage = "one message for 9,999 others\n"

// TestScale connects 10,000 clients, reports the broker's memory per idle
// client, then sends one message from one client and checks that every
// other one receives it. The clients live in a child process (this test
// binary again, running TestScaleClients), so that each process needs only
// some 10,000 fds and the heap measured here is the broker's alone.
func TestScale(t *testing.T) {
	if os.Getenv("GCAT_SCALE") == "" {
		t.Skip("set GCAT_SCALE=1 to run: it connects 10,000 clients, " +
			"needs RLIMIT_NOFILE of 10,100 in two processes and takes seconds")
	}
	raiseNoFile(t, scaleClients+100)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b := New(Options{Logf: t.Logf})
	defer b.Close()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()
	added := make(chan error, 1)
	go func() {
		for range scaleClients {
			c, err := ln.Accept()
			if err != nil {
				added <- err
				return
			}
			b.Add(c)
		}
		added <- nil
	}()

	child := startScaleClients(t, ln.Addr().String())
	start := time.Now()
	child.expect(t, "connected")
	select {
	case err := <-added:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(maxWait):
		t.Fatalf("%d of %d clients added within %v", b.Len(), scaleClients, maxWait)
	}
	t.Logf("%d clients connected in %v", b.Len(), time.Since(start).Round(time.Millisecond))
	reportMemory(t, &before, goroutines)

	start = time.Now()
	child.send(t, "send")
	got := child.expect(t, "received")
	t.Logf("one message reached %s clients in %v", got, time.Since(start).Round(time.Millisecond))
	if want := strconv.Itoa(scaleClients - 1); got != want {
		t.Errorf("%s clients received the message, want %s", got, want)
	}
	if n := b.Len(); n != scaleClients {
		t.Errorf("Len() = %d after the message, want %d", n, scaleClients)
	}
	start = time.Now()
	b.Close()
	t.Logf("Close took %v", time.Since(start).Round(time.Millisecond))
}

// raiseNoFile skips the test if the open file limit is below need. Go
// raises the soft limit to the hard one at start; a system without such a
// limit (Windows) has room.
func raiseNoFile(t *testing.T, need uint64) {
	cur, _, err := sys.FileLimit()
	if err == nil && cur < need {
		t.Skipf("RLIMIT_NOFILE is %d, need %d", cur, need)
	}
}

func reportMemory(t *testing.T, before *runtime.MemStats, goroutines int) {
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	stacks := int64(after.StackInuse) - int64(before.StackInuse)
	per := (heap + stacks) / scaleClients
	t.Logf("per idle client: %d B heap + %d B goroutine stacks = %.1f KiB; %.2f goroutines",
		heap/scaleClients, stacks/scaleClients, float64(per)/1024,
		float64(runtime.NumGoroutine()-goroutines)/scaleClients)
	if per > 20<<10 {
		t.Errorf("%d bytes per idle client, want under 20 KiB", per)
	}
}

// scaleChild is the process holding the client ends.
type scaleChild struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startScaleClients(t *testing.T, addr string) *scaleChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestScaleClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GCAT_SCALE_CLIENTS="+addr)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close() // the child exits at EOF on its stdin
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(maxWait):
			cmd.Process.Kill()
			<-done
		}
	})
	return &scaleChild{cmd: cmd, in: in, out: bufio.NewScanner(out)}
}

func (c *scaleChild) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

// expect reads the child's lines until one starts with "scale: word",
// bounded by maxWait, and returns the rest of it.
func (c *scaleChild) expect(t *testing.T, word string) string {
	t.Helper()
	type result struct {
		rest string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		for c.out.Scan() {
			if rest, ok := strings.CutPrefix(c.out.Text(), "scale: "+word); ok {
				ch <- result{strings.TrimSpace(rest), nil}
				return
			}
		}
		ch <- result{"", fmt.Errorf("child ended before %q: %v", word, c.out.Err())}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.rest
	case <-time.After(maxWait):
		t.Fatalf("child did not say %q within %v", word, maxWait)
		return ""
	}
}

// TestScaleClients is TestScale's child process, not a test of its own.
func TestScaleClients(t *testing.T) {
	addr := os.Getenv("GCAT_SCALE_CLIENTS")
	if addr == "" {
		t.Skip("the client side of TestScale, run by it")
	}
	conns := make([]net.Conn, scaleClients)
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range 8 { // a few dialers at once; the listen backlog is finite
		wg.Go(func() {
			for i := w; i < len(conns); i += 8 {
				c, err := net.DialTimeout("tcp", addr, maxWait)
				if err != nil {
					failed.Store(err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		t.Fatal(err)
	}
	fmt.Println("scale: connected")

	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() || in.Text() != "send" {
		t.Fatal("no send order")
	}
	var received atomic.Int64
	for _, c := range conns[1:] {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(maxWait))
			buf := make([]byte, len(scaleMessage))
			if _, err := io.ReadFull(c, buf); err == nil && string(buf) == scaleMessage {
				received.Add(1)
			}
		})
	}
	if _, err := io.WriteString(conns[0], scaleMessage); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	fmt.Println("scale: received", received.Load())
	for in.Scan() { // until the parent closes our stdin
	}
	for _, c := range conns {
		c.Close()
	}
}
