//go:build unix

package activation

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

// testWait bounds every wait of the tests.
const testWait = 90 * time.Second

func helperPath(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// parseReport reads the helper's "key=value" lines.
func parseReport(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// wantReport checks the keys of want in a report.
func wantReport(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("report %s = %q, want %q (report: %v)", k, got[k], v, got)
		}
	}
}

// helperEnviron is the test's environment without activation variables,
// plus the helper's mode and extra.
func helperEnviron(mode string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LISTEN_") && !strings.HasPrefix(kv, "UPSTART_") && !strings.HasPrefix(kv, helperEnv+"=") {
			env = append(env, kv)
		}
	}
	return append(env, append([]string{helperEnv + "=" + mode}, extra...)...)
}

// proc is a helper started by the tests' own launcher.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	err    error
}

// how says how launch starts the helper.
type how struct {
	env []string
	// setPID has a shell set LISTEN_PID to its own pid and exec the
	// helper, which keeps that pid: what systemd does between fork and
	// exec.
	setPID bool
	files  []*os.File // descriptors 3, 4, …
	stdin  *os.File   // descriptor 0
	stdio  *os.File   // descriptors 0, 1 and 2, as xinetd passes a connection
}

// launch starts the helper as a service manager would. The test's copies
// of the files in h are closed once the helper has its own.
func launch(t *testing.T, mode string, h how) *proc {
	t.Helper()
	p := &proc{done: make(chan struct{})}
	if h.setPID {
		p.cmd = exec.Command("/bin/sh", "-c", `LISTEN_PID=$$; export LISTEN_PID; exec "$0"`, helperPath(t))
	} else {
		p.cmd = exec.Command(helperPath(t))
	}
	// Descriptors this process inherited from its own parent without
	// close-on-exec pass to every child: they are not the helper's leaks.
	p.cmd.Env = helperEnviron(mode, append(h.env, baselineEnv+"="+inheritable())...)
	p.cmd.ExtraFiles = h.files
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if h.stdin != nil {
		p.cmd.Stdin = h.stdin
	}
	if h.stdio != nil {
		p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = h.stdio, h.stdio, h.stdio
	}
	err := p.cmd.Start()
	for _, f := range append(h.files, h.stdin, h.stdio) {
		if f != nil {
			f.Close()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	return p
}

// wait waits for the helper to exit and returns its exit status and what
// it wrote to stderr.
func (p *proc) wait(t *testing.T) (int, string) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(testWait):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("helper still running after %v; stderr: %s", testWait, &p.stderr)
	}
	var ee *exec.ExitError
	if p.err != nil && !errors.As(p.err, &ee) {
		t.Fatal(p.err)
	}
	return p.cmd.ProcessState.ExitCode(), p.stderr.String()
}

// fileOf returns a descriptor for c, as a launcher would hold it.
func fileOf(t *testing.T, c interface{ File() (*os.File, error) }) *os.File {
	t.Helper()
	f, err := c.File()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readAll reads c to EOF, bounded.
func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testWait))
	var b bytes.Buffer
	if _, err := b.ReadFrom(c); err != nil {
		t.Fatalf("read: %v (so far %q)", err, b.String())
	}
	return b.String()
}

// sdProc is systemd-socket-activate running the helper.
type sdProc struct {
	cmd   *exec.Cmd
	addrs []string // where it listens, in descriptor order
	lines chan string
	mu    sync.Mutex
	seen  []string // every line of its stderr so far
}

// sdLaunch runs systemd-socket-activate with flags, listening on each of
// listens ("tcp", "udp": a free loopback port; otherwise a Unix socket
// path), and the helper in mode as its program. It returns once the
// launcher listens. A port taken between choosing and binding it is tried
// again with another.
func sdLaunch(t *testing.T, mode string, flags []string, listens ...string) *sdProc {
	t.Helper()
	launcher, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Skip("systemd-socket-activate not installed (Debian package systemd): the real launcher's tests do not run")
	}
	for attempt := 1; ; attempt++ {
		p := &sdProc{lines: make(chan string, 64)}
		args := append([]string{}, flags...)
		for _, l := range listens {
			addr := l
			if l == "tcp" || l == "udp" {
				addr = freePort(t, l)
			}
			p.addrs = append(p.addrs, addr)
			args = append(args, "-l", addr)
		}
		args = append(args, "-E", helperEnv+"="+mode, helperPath(t))
		p.cmd = exec.Command(launcher, args...)
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if p.start(t, len(listens)) {
			return p
		}
		if attempt == 5 {
			t.Fatalf("systemd-socket-activate %v failed: %s", args, p.stderr())
		}
	}
}

// start starts the launcher and reports whether it listens on n sockets.
func (p *sdProc) start(t *testing.T, n int) bool {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = w
	err = p.cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	go p.scan(r)
	// The whole process group: with -a, helpers are the launcher's children.
	t.Cleanup(func() { syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); p.cmd.Wait() })
	for range n {
		if _, ok := p.waitLine(t, "Listening on "); !ok {
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			p.cmd.Wait()
			return false
		}
	}
	return true
}

func (p *sdProc) scan(r *os.File) {
	defer r.Close()
	defer close(p.lines)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.mu.Lock()
		p.seen = append(p.seen, sc.Text())
		p.mu.Unlock()
		p.lines <- sc.Text()
	}
}

func (p *sdProc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.seen, "\n")
}

// waitLine returns the next stderr line containing substr, or false when
// stderr ends first.
func (p *sdProc) waitLine(t *testing.T, substr string) (string, bool) {
	t.Helper()
	timeout := time.After(testWait)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				return "", false
			}
			if strings.Contains(line, substr) {
				return line, true
			}
		case <-timeout:
			t.Fatalf("no %q from systemd-socket-activate within %v; stderr:\n%s", substr, testWait, p.stderr())
		}
	}
}

// mustLine is waitLine for a line that has to come.
func (p *sdProc) mustLine(t *testing.T, substr string) string {
	t.Helper()
	line, ok := p.waitLine(t, substr)
	if !ok {
		t.Fatalf("no %q before systemd-socket-activate's stderr ended:\n%s", substr, p.stderr())
	}
	return line
}

// exitCode waits for the launcher, which is the helper once it has
// exec'ed it (without -a), and returns its exit status.
func (p *sdProc) exitCode(t *testing.T) int {
	t.Helper()
	for range p.lines { // until the helper closes stderr by exiting
	}
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(testWait):
		t.Fatalf("helper still running after %v", testWait)
	}
	return p.cmd.ProcessState.ExitCode()
}

// freePort returns a loopback address with a port that was free a moment
// ago (systemd-socket-activate cannot bind port 0).
func freePort(t *testing.T, network string) string {
	t.Helper()
	var c interface {
		Close() error
	}
	var addr string
	if network == "tcp" {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c, addr = ln, ln.Addr().String()
	} else {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c, addr = pc, pc.LocalAddr().String()
	}
	c.Close()
	return addr
}

// childExit returns the exit status systemd-socket-activate -a logs for
// its child.
func (p *sdProc) childExit(t *testing.T) string {
	t.Helper()
	line := p.mustLine(t, "died with code")
	return line[strings.LastIndex(line, " ")+1:]
}
