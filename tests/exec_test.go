//go:build linux

package tests

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loopback says whether network ("tcp4", "tcp6") works on host here.
func loopback(network, host string) bool {
	ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// freeTCPPort returns a port nothing listens on right now at host, for
// ncat, which cannot report the port it got for 0 (before 7.991).
func freeTCPPort(t *testing.T, network, host string) string {
	t.Helper()
	ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port := hostPort(t, ln.Addr().String())
	return port
}

// endpoint is where a listener of the test lives: a TCP host or a Unix
// socket path.
type endpoint struct {
	network string // "tcp4", "tcp6" or "unix"
	host    string // TCP: the loopback address
	path    string // Unix: the socket file
}

// listenArgs are the arguments for prog (gcat or ncat) to listen there.
func (e endpoint) listenArgs(t *testing.T, prog string) []string {
	if e.network == "unix" {
		return []string{"-lvU", e.path}
	}
	port := "0"
	if prog != gcatBin {
		port = freeTCPPort(t, e.network, e.host)
	}
	return []string{"-lv", e.host, port}
}

// execListenOutput starts prog as a one-shot listener at e running the
// exec arguments, connects to it, and returns all the child wrote and the
// client connection's addresses. The client sends nothing and keeps its
// side open until the child's output ends (ncat 7.93 drops a child's output
// when the client's EOF comes first).
func execListenOutput(t *testing.T, prog string, e endpoint, execArgs ...string) (out string, local, remote net.Addr) {
	t.Helper()
	if e.network == "unix" {
		e.path = filepath.Join(t.TempDir(), "s")
	}
	srv := start(t, nil, prog, append(e.listenArgs(t, prog), execArgs...)...)
	addr := srv.listenAddr()
	var c net.Conn
	var err error
	if e.network == "unix" {
		c, err = net.Dial("unix", e.path)
	} else {
		_, port := hostPort(t, addr)
		c, err = net.Dial(e.network, net.JoinHostPort(e.host, port))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(bound))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("%s: reading the child's output: %v", prog, err)
	}
	c.Close()
	if code := srv.wait(); code != 0 {
		t.Fatalf("%s exited %d: %s", prog, code, srv.stderr.String())
	}
	return string(b), c.RemoteAddr(), c.LocalAddr()
}

// execConnectOutput runs prog in connect mode with the exec arguments
// against a listener of the test's at e and returns all the child wrote and
// the accepted connection's addresses.
func execConnectOutput(t *testing.T, prog string, e endpoint, execArgs ...string) (out string, local, remote net.Addr) {
	t.Helper()
	var ln net.Listener
	var err error
	var args []string
	if e.network == "unix" {
		path := filepath.Join(t.TempDir(), "s")
		ln, err = net.Listen("unix", path)
		args = []string{"-U", path}
	} else {
		ln, err = net.Listen(e.network, net.JoinHostPort(e.host, "0"))
		if err == nil {
			_, port := hostPort(t, ln.Addr().String())
			args = []string{e.host, port}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cli := start(t, nil, prog, append(args, execArgs...)...)
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	var a accepted
	select {
	case a = <-ch:
	case <-cli.done:
		t.Fatalf("%s exited without connecting: %s", prog, cli.stderr.String())
	case <-time.After(bound):
		t.Fatalf("%s did not connect", prog)
	}
	if a.err != nil {
		t.Fatal(a.err)
	}
	defer a.c.Close()
	a.c.SetDeadline(time.Now().Add(bound))
	b, err := io.ReadAll(a.c)
	if err != nil {
		t.Fatalf("%s: reading the child's output: %v", prog, err)
	}
	a.c.Close()
	if code := cli.wait(); code != 0 {
		t.Fatalf("%s exited %d: %s", prog, code, cli.stderr.String())
	}
	return string(b), a.c.RemoteAddr(), a.c.LocalAddr()
}

// ncatEnv is what ncat's child sees for a connection between local and
// remote (the child's side is local): for Unix sockets "localhost" and
// empty ports.
func ncatEnv(local, remote net.Addr) string {
	split := func(a net.Addr) (string, string) {
		if ta, ok := a.(*net.TCPAddr); ok {
			return ta.IP.String(), strconv.Itoa(ta.Port)
		}
		return "localhost", ""
	}
	la, lp := split(local)
	ra, rp := split(remote)
	return "NCAT_LOCAL_ADDR=" + la + "\nNCAT_LOCAL_PORT=" + lp + "\nNCAT_PROTO=TCP\n" +
		"NCAT_REMOTE_ADDR=" + ra + "\nNCAT_REMOTE_PORT=" + rp + "\n"
}

// TestExecEnv: the NCAT_* variables an exec child gets carry the
// connection's real addresses and ports, in listen and connect mode, over
// TCP/IPv4, TCP/IPv6 and Unix sockets; ncat, run the same way, gives its
// child exactly the same (which checks the expectation itself).
func TestExecEnv(t *testing.T) {
	env := writeScript(t, t.TempDir(), "env", `env | grep '^NCAT_' | sort`)
	endpoints := []endpoint{
		{network: "tcp4", host: "127.0.0.1"},
		{network: "tcp6", host: "::1"},
		{network: "unix"},
	}
	progs := []string{gcatBin, "ncat"}
	modes := map[string]func(*testing.T, string, endpoint, ...string) (string, net.Addr, net.Addr){
		"listen":  execListenOutput,
		"connect": execConnectOutput,
	}
	for _, e := range endpoints {
		for mode, run := range modes {
			for _, prog := range progs {
				t.Run(fmt.Sprintf("%s/%s/%s", e.network, mode, filepath.Base(prog)), func(t *testing.T) {
					if e.network == "tcp6" && !loopback("tcp6", "::1") {
						t.Skip("no IPv6 loopback here")
					}
					if prog == "ncat" {
						need(t, "ncat")
					}
					got, local, remote := run(t, prog, e, "-e", env)
					if want := ncatEnv(local, remote); got != want {
						t.Fatalf("the child's environment:\n%s\nwant:\n%s", got, want)
					}
				})
			}
		}
	}
}

// TestExecShell: -c runs its argument with /bin/sh -c (pipes, quotes,
// variables), the child's stderr is gcat's stderr and not part of the
// connection, and ncat's child prints the same.
func TestExecShell(t *testing.T) {
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Skip("no /bin/sh")
	}
	e := endpoint{network: "tcp4", host: "127.0.0.1"}
	script := `readlink -f /proc/$$/exe; echo "a  b" | tr a-z A-Z; echo 'x $y' "$NCAT_PROTO"; echo oops >&2`
	srv := gcat(t, nil, append(e.listenArgs(t, gcatBin), "-c", script)...)
	host, port := hostPort(t, srv.listenAddr())
	cli := gcat(t, nil, host, port)
	cli.mustSucceed()
	srv.mustSucceed()
	if want := sh + "\nA  B\nx $y TCP\n"; cli.stdout.String() != want {
		t.Fatalf("the client got %q, want %q", cli.stdout.String(), want)
	}
	if !strings.Contains(srv.stderr.String(), "\noops\n") {
		t.Fatalf("the child's stderr is not on gcat's stderr: %q", srv.stderr.String())
	}

	need(t, "ncat")
	for _, cmd := range []string{
		`echo "a  b" | tr a-z A-Z; echo 'x $y' "$NCAT_PROTO"`,
		`for w in 1 "2 3" '4'; do printf '<%s>\n' "$w"; done | sort -r`,
		`set -- a "b c"; echo $# "$@"; exit 3`,
	} {
		t.Run(cmd, func(t *testing.T) {
			want, _, _ := execListenOutput(t, "ncat", e, "-c", cmd)
			got, _, _ := execListenOutput(t, gcatBin, e, "-c", cmd)
			if got != want || want == "" {
				t.Fatalf("gcat's child printed %q, ncat's %q", got, want)
			}
		})
	}
}

// TestExecBareNameInPath: -e with a program name without a slash finds it
// in PATH, as ncat's users expect from a shell.
func TestExecBareNameInPath(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "gcat-test-greeter", `echo "hello from $0"`)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	got, _, _ := execListenOutput(t, gcatBin, endpoint{network: "tcp4", host: "127.0.0.1"}, "-e", "gcat-test-greeter")
	if !strings.HasPrefix(got, "hello from ") || !strings.HasSuffix(got, "gcat-test-greeter\n") {
		t.Fatalf("the child printed %q", got)
	}
}
