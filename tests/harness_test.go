//go:build linux

package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gcatBin is the binary under test.
var gcatBin string

// bound is the generous limit on any single wait: the machines are shared
// and slow, so it says "hung", not "slow".
const bound = 60 * time.Second

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gcat-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gcatBin = filepath.Join(dir, "gcat")
	args := []string{"build", "-o", gcatBin}
	if os.Getenv("GCAT_TEST_RACE") != "" {
		args = append(args, "-race")
		// A -race binary sleeps 1 s at exit by default (atexit_sleep_ms),
		// which would add a second to every process the tests run.
		if os.Getenv("GORACE") == "" {
			os.Setenv("GORACE", "atexit_sleep_ms=0")
		}
	}
	build := exec.Command("go", append(args, "../cmd/gcat")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building gcat:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// need skips the test when a peer program is missing.
func need(t *testing.T, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (make test installs it when run as root)", p)
		}
	}
}

// proc is a running command with its output collected.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// lines receives each complete line written, for readiness waits.
	lines chan string
	part  string
	// changed is closed (and replaced) by every write.
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer {
	return &syncBuffer{lines: make(chan string, 1024), changed: make(chan struct{})}
}

// change returns a channel closed by the next write.
func (b *syncBuffer) change() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.changed)
	b.changed = make(chan struct{})
	b.buf.Write(p)
	b.part += string(p)
	for {
		i := strings.IndexByte(b.part, '\n')
		if i < 0 {
			break
		}
		select {
		case b.lines <- b.part[:i]:
		default:
		}
		b.part = b.part[i+1:]
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// start runs name with args; stdin is r (nil: an empty, closed input).
// The process is killed at the end of the test if still running.
func start(t *testing.T, stdin io.Reader, name string, args ...string) *proc {
	t.Helper()
	return startIO(t, stdin, nil, name, args...)
}

// startIO is start with a stdout of the caller's (nil: collected in
// p.stdout). Files are handed to the child as they are, so big payloads never
// pass through the test process.
func startIO(t *testing.T, stdin io.Reader, stdout io.Writer, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Stdin = stdin
	p.cmd.Stdout = p.stdout
	if stdout != nil {
		p.cmd.Stdout = stdout
	}
	p.cmd.Stderr = p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// gcat starts the binary under test.
func gcat(t *testing.T, stdin io.Reader, args ...string) *proc {
	t.Helper()
	return start(t, stdin, gcatBin, args...)
}

var listeningRE = regexp.MustCompile(`Listening on (\S+)`)

// listenAddr waits for a "Listening on ADDR" line on p's stderr (gcat -v)
// and returns the address, for gcat servers started with -v on port 0.
func (p *proc) listenAddr() string {
	p.t.Helper()
	return p.waitStderr(listeningRE)
}

// waitStderr waits, bounded, for the next line of p's stderr matching re
// and returns its first submatch. Lines seen by earlier waits are not
// seen again.
func (p *proc) waitStderr(re *regexp.Regexp) string {
	p.t.Helper()
	return p.nextLine("stderr", p.stderr, re)
}

// waitStdout is waitStderr for stdout.
func (p *proc) waitStdout(re *regexp.Regexp) string {
	p.t.Helper()
	return p.nextLine("stdout", p.stdout, re)
}

func (p *proc) nextLine(name string, b *syncBuffer, re *regexp.Regexp) string {
	p.t.Helper()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for {
		select {
		case line := <-b.lines:
			if m := re.FindStringSubmatch(line); len(m) > 1 {
				return m[1]
			} else if m != nil {
				return m[0]
			}
		case <-p.done:
			p.t.Fatalf("%s exited before printing %q on %s: %v\n%s: %s", filepath.Base(p.cmd.Path), re, name, p.err, name, b.String())
		case <-timer.C:
			p.t.Fatalf("%s did not print %q on %s within %v\n%s: %s", filepath.Base(p.cmd.Path), re, name, bound, name, b.String())
		}
	}
}

// waitLines waits for n more stderr lines of p containing s.
func (p *proc) waitLines(s string, n int) {
	p.t.Helper()
	re := regexp.MustCompile("(" + regexp.QuoteMeta(s) + ")")
	for i := 0; i < n; i++ {
		p.nextLine("stderr", p.stderr, re)
	}
}

// waitUntil waits, bounded, until cond holds; it is checked again at every
// write p makes to stdout or stderr.
func (p *proc) waitUntil(what string, cond func() bool) {
	p.t.Helper()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for {
		out, errs := p.stdout.change(), p.stderr.change()
		if cond() {
			return
		}
		select {
		case <-out:
		case <-errs:
		case <-p.done:
			if !cond() {
				p.t.Fatalf("%s exited before %s\nstdout: %q\nstderr: %s", filepath.Base(p.cmd.Path), what, p.stdout.String(), p.stderr.String())
			}
			return
		case <-timer.C:
			p.t.Fatalf("%s: not %s within %v\nstdout: %q\nstderr: %s", filepath.Base(p.cmd.Path), what, bound, p.stdout.String(), p.stderr.String())
		}
	}
}

// waitStdoutContains waits, bounded, until p's stdout holds s.
func (p *proc) waitStdoutContains(s string) {
	p.t.Helper()
	p.waitUntil(fmt.Sprintf("%q on stdout", s), func() bool { return strings.Contains(p.stdout.String(), s) })
}

// nextStdoutLine waits, bounded, for the next complete line on p's stdout
// (for Python servers that print their port).
func (p *proc) nextStdoutLine() string {
	p.t.Helper()
	return p.nextLine("stdout", p.stdout, regexp.MustCompile(`^(.*)$`))
}

// exited reports whether p has exited, without waiting.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits, bounded, for p to exit and returns its exit code.
func (p *proc) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(bound):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGQUIT) // a Go binary dumps its goroutines
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
		p.t.Fatalf("%s %q did not exit within %v\nstderr: %s", p.cmd.Path, p.cmd.Args[1:], bound, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// mustSucceed waits for p and fails the test unless it exited 0.
func (p *proc) mustSucceed() {
	p.t.Helper()
	if code := p.wait(); code != 0 {
		p.t.Fatalf("%s %q exited %d\nstderr: %s", filepath.Base(p.cmd.Path), p.cmd.Args[1:], code, p.stderr.String())
	}
}

// hostPort splits "127.0.0.1:1234" into its parts.
func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		t.Fatalf("bad address %q", addr)
	}
	return strings.Trim(addr[:i], "[]"), addr[i+1:]
}

// scanLines reads r's lines into a slice (for small outputs).
func scanLines(b []byte) []string {
	var out []string
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		out = append(out, s.Text())
	}
	return out
}

// tcpServer accepts one connection, hands it to serve, and returns what the
// address to connect to is.
func tcpServer(t *testing.T, serve func(c *net.TCPConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(bound))
		serve(c.(*net.TCPConn))
	}()
	_, port := hostPort(t, ln.Addr().String())
	return port
}
