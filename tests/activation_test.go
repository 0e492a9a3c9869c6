//go:build linux

package tests

// Sockets handed over: systemd's socket activation (LISTEN_FDS) and inetd
// mode (--inetd), with the real launcher, systemd-socket-activate, and a
// launcher of the test's own for several sockets at once.

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var activateListening = regexp.MustCompile(`Listening on (\S+) as \d+\.`)

// activate starts gcat under systemd-socket-activate with the launcher's
// options (listening on addr), and returns once the launcher listens.
func activate(t *testing.T, launcher []string, gcatArgs ...string) *proc {
	t.Helper()
	need(t, "systemd-socket-activate")
	args := append(append(launcher, gcatBin), gcatArgs...)
	p := start(t, nil, "systemd-socket-activate", args...)
	p.waitStderr(activateListening)
	return p
}

// echoUpper sends data and half-closes, and returns the whole reply.
func echoUpper(t *testing.T, network, addr string, data []byte) []byte {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		c.Write(data)
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	return got
}

// TestSocketActivation: gcat -lk -e with no address serves the socket
// systemd hands over, TCP and Unix; the Unix socket file is the launcher's
// and stays.
func TestSocketActivation(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	for _, tt := range []struct{ network, addr string }{
		{"tcp", "127.0.0.1:" + freeTCPPort(t, "tcp4", "127.0.0.1")},
		{"unix", sock},
	} {
		t.Run(tt.network, func(t *testing.T) {
			launcher := activate(t, []string{"-l", tt.addr}, "-lk", "-e", "/usr/bin/tr a-z A-Z")
			for i := 0; i < 3; i++ {
				if got := echoUpper(t, tt.network, tt.addr, []byte("hello\n")); string(got) != "HELLO\n" {
					t.Fatalf("client %d got %q\nlauncher: %s", i, got, launcher.stderr.String())
				}
			}
			if tt.network == "unix" {
				launcher.cmd.Process.Kill()
				launcher.wait()
				if _, err := os.Stat(sock); err != nil {
					t.Fatalf("the launcher's socket file is gone: %v", err)
				}
			}
		})
	}
}

// TestSocketActivationSeveral: sockets handed over by our own launcher, the
// shell that execs gcat (so that LISTEN_PID is gcat's): several at once,
// systemd's way, and one the upstart way (UPSTART_FDS); all are served, and
// the variables do not reach the child.
func TestSocketActivationSeveral(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
		env  string
	}{
		{"LISTEN_FDS", 2, "LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=a:b"},
		{"UPSTART_FDS", 1, "UPSTART_EVENTS=socket UPSTART_FDS=3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files, addrs := handedListeners(t, tt.n)
			p := launch(t, files, tt.env+` exec "$0" -lkv -c 'env | grep -c -e LISTEN_ -e UPSTART_; true'`, gcatBin)
			for _, addr := range addrs {
				if got := echoUpper(t, "tcp", addr, nil); string(got) != "0\n" {
					t.Fatalf("%s: the child saw %q of the variables\nstderr: %s", addr, got, p.stderr.String())
				}
			}
		})
	}
}

// handedListeners opens n loopback listeners and returns them as files to
// hand over, and their addresses.
func handedListeners(t *testing.T, n int) ([]*os.File, []string) {
	t.Helper()
	var files []*os.File
	var addrs []string
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f, err := ln.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		t.Cleanup(func() { f.Close() })
		files = append(files, f)
		addrs = append(addrs, ln.Addr().String())
	}
	return files, addrs
}

// launch runs a shell script with files as descriptors 3 and on.
func launch(t *testing.T, files []*os.File, script string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command("/bin/sh", append([]string{"-c", script}, args...)...)
	cmd.ExtraFiles = files
	p := &proc{t: t, cmd: cmd, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	return p
}

// TestInetd: --inetd serves the connection it is handed as stdin: with a
// child, every byte the child writes after the client's EOF reaches the
// client and both end; relayed to a port, with half-close; over TLS.
func TestInetd(t *testing.T) {
	data := make([]byte, 1<<20)
	rand.Read(data)
	port := freeTCPPort(t, "tcp4", "127.0.0.1")
	addr := "127.0.0.1:" + port
	t.Run("child", func(t *testing.T) {
		activate(t, []string{"-a", "--inetd", "-l", addr}, "--inetd", "-e", "/bin/cat")
		if got := echoUpper(t, "tcp", addr, data); !bytes.Equal(got, data) {
			t.Fatalf("echo: %d of %d bytes", len(got), len(data))
		}
	})
	t.Run("relay", func(t *testing.T) {
		target := upperServer(t)
		th, tp := hostPort(t, target)
		activate(t, []string{"-a", "--inetd", "-l", addr}, "--inetd", th, tp)
		if got := echoUpper(t, "tcp", addr, []byte("through inetd\n")); string(got) != "THROUGH INETD\n" {
			t.Fatalf("relayed: %q", got)
		}
	})
	t.Run("ssl", func(t *testing.T) {
		activate(t, []string{"-a", "--inetd", "-l", addr}, "--inetd", "--ssl", "-c", "tr a-z A-Z")
		cli := gcat(t, strings.NewReader("over tls\n"), "--ssl", "127.0.0.1", port)
		cli.mustSucceed()
		if cli.stdout.String() != "OVER TLS\n" {
			t.Fatalf("TLS client got %q", cli.stdout.String())
		}
	})
	for _, mode := range []struct{ launcher, args []string }{
		{[]string{"--datagram", "-l", addr}, []string{"-ul"}},
		{[]string{"--inetd", "--datagram", "-l", addr}, []string{"--inetd", "-u"}},
	} {
		t.Run(strings.Join(mode.args, " "), func(t *testing.T) {
			activate(t, mode.launcher, append(mode.args, "-e", "/bin/cat")...)
			c, err := net.Dial("udp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write([]byte("datagram\n"))
			buf := make([]byte, 100)
			c.SetReadDeadline(time.Now().Add(bound))
			n, err := c.Read(buf)
			if err != nil || string(buf[:n]) != "datagram\n" {
				t.Fatalf("reply %q, %v", buf[:n], err)
			}
		})
	}
}

// TestBadHandovers: what does not fit is refused with one line and exit 2;
// variables meant for another process are ignored.
func TestBadHandovers(t *testing.T) {
	port := freeTCPPort(t, "tcp4", "127.0.0.1")
	addr := "127.0.0.1:" + port
	t.Run("wrong LISTEN_PID", func(t *testing.T) {
		t.Setenv("LISTEN_PID", "1")
		t.Setenv("LISTEN_FDS", "1")
		srv := gcat(t, strings.NewReader("x"), "-lv", "127.0.0.1", "0")
		host, p := hostPort(t, srv.listenAddr())
		gcat(t, nil, host, p).mustSucceed()
		srv.mustSucceed()
	})
	refusals := []struct {
		name     string
		launcher []string
		args     []string
		want     string
	}{
		{"a connected socket", []string{"-a", "-l", addr}, []string{"-lk", "-e", "/bin/cat"},
			"a connected socket, not a listening one"},
		{"a datagram socket without -u", []string{"--datagram", "-l", addr}, []string{"-lk", "-e", "/bin/cat"},
			"a datagram socket, not a stream one"},
		{"an address as well", []string{"-l", addr}, []string{"-lk", "127.0.0.1", "9", "-e", "/bin/cat"},
			"an address or port was given"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			launcher := activate(t, tt.launcher, tt.args...)
			c, err := net.Dial(map[bool]string{true: "udp", false: "tcp"}[strings.Contains(tt.name, "datagram")], addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write([]byte("x"))
			launcher.waitUntil("gcat's refusal", func() bool { return strings.Contains(launcher.stderr.String(), tt.want) })
		})
	}
	t.Run("fd 0 a file", func(t *testing.T) {
		f, err := os.Open("/etc/hostname")
		if err != nil {
			t.Skip(err)
		}
		defer f.Close()
		p := startIO(t, f, nil, gcatBin, "--inetd", "-e", "/bin/cat")
		if code := p.wait(); code != 2 || !strings.Contains(p.stderr.String(), "not a socket") {
			t.Fatalf("exit %d, %q", code, p.stderr.String())
		}
	})
}
