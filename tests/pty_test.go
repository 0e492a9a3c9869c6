//go:build linux

package tests

import (
	"io"
	"net"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// terminal is a program run on a pseudo-terminal of the test's, as a user
// runs it at a terminal: the pty is its controlling terminal, keys are
// typed on the master, and what the terminal shows is collected in the
// proc's stdout.
type terminal struct {
	*proc
	master, tty *os.File
}

// onTerminal starts name on a new rows x cols terminal.
func onTerminal(t *testing.T, rows, cols uint16, name string, args ...string) *terminal {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { master.Close(); tty.Close() })
	if err := pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = tty, tty, tty
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go io.Copy(p.stdout, master)
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return &terminal{proc: p, master: master, tty: tty}
}

// typeKeys types s on the terminal.
func (tm *terminal) typeKeys(s string) {
	tm.t.Helper()
	if _, err := tm.master.Write([]byte(s)); err != nil {
		tm.t.Fatalf("typing %q: %v", s, err)
	}
}

// shows waits until the terminal has shown s.
func (tm *terminal) shows(s string) {
	tm.t.Helper()
	tm.waitUntil("showing "+strings.TrimSpace(s), func() bool { return strings.Contains(tm.stdout.String(), s) })
}

// termios is the terminal's line discipline settings (what stty -g shows).
func termios(t *testing.T, tty *os.File) *unix.Termios {
	t.Helper()
	st, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// ptyServer starts gcat -l --pty with args, at -vv, and returns it and the
// host and port to connect to.
func ptyServer(t *testing.T, args ...string) (*proc, string, string) {
	t.Helper()
	srv := gcat(t, nil, append([]string{"-lvv", "--pty"}, args...)...)
	host, port := hostPort(t, srv.listenAddr())
	return srv, host, port
}

// TestPtyRemoteShell: a shell on a terminal through gcat -l -t --pty, used
// from gcat -T at a terminal: the shell has a tty, the window's size and
// its resizes, ^C interrupts the remote command and not the client, the
// tail of a fast writer arrives whole, exit ends both sides, and the
// client's terminal is left as it was.
func TestPtyRemoteShell(t *testing.T) {
	srv, host, port := ptyServer(t, "-t", "-e", "/bin/sh", "127.0.0.1", "0")
	cli := onTerminal(t, 33, 101, gcatBin, "-T", host, port)
	saved := termios(t, cli.tty)
	srv.waitStderr(regexp.MustCompile(`(resized to 101x33)`))
	cli.typeKeys("tty; stty size\r")
	cli.shows("/dev/pts/")
	cli.shows("33 101")

	pty.Setsize(cli.master, &pty.Winsize{Rows: 40, Cols: 120}) // the user resizes the window
	srv.waitStderr(regexp.MustCompile(`(resized to 120x40)`))
	cli.typeKeys("stty size\r")
	cli.shows("40 120")

	cli.typeKeys("sleep 100\r")
	cli.shows("sleep 100\r\n")
	cli.typeKeys("\x03") // ^C: for the remote sleep
	cli.typeKeys("echo after$((2*3))\r")
	cli.shows("after6")

	cli.typeKeys("seq 100000; exit\r")
	cli.mustSucceed()
	srv.mustSucceed()
	if !strings.Contains(cli.stdout.String(), "99999\r\n100000\r\n") {
		t.Errorf("the tail of seq did not arrive: %q", tail(cli.stdout.String()))
	}
	if got := termios(t, cli.tty); !reflect.DeepEqual(got, saved) {
		t.Errorf("the client's terminal was not restored:\n%+v\nwant %+v", got, saved)
	}
}

func tail(s string) string { return s[max(0, len(s)-200):] }

// TestRawRestoredOnSignal: a raw client ended by SIGTERM, SIGHUP or
// SIGINT leaves its terminal as it found it, and dies by the signal's
// status.
func TestRawRestoredOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			_, host, port := ptyServer(t, "-e", "/bin/sh", "127.0.0.1", "0")
			cli := onTerminal(t, 24, 80, gcatBin, "-v", "--raw", host, port)
			saved := termios(t, cli.tty)
			cli.shows("Escape character is '~'")
			cli.typeKeys("echo raw$((1+2))\r")
			cli.shows("raw3")
			cli.cmd.Process.Signal(sig)
			if code := cli.wait(); code != 128+int(sig) {
				t.Errorf("exit %d after %v", code, sig)
			}
			if got := termios(t, cli.tty); !reflect.DeepEqual(got, saved) {
				t.Errorf("the terminal was not restored after %v", sig)
			}
		})
	}
}

// TestRawEscape: Enter ~ . quits the raw client, status 0.
func TestRawEscape(t *testing.T) {
	_, host, port := ptyServer(t, "-e", "/bin/sh", "127.0.0.1", "0")
	cli := onTerminal(t, 24, 80, gcatBin, "--raw", host, port)
	saved := termios(t, cli.tty)
	cli.typeKeys("echo esc$((4+4))\r")
	cli.shows("esc8")
	cli.typeKeys("\r~.")
	cli.mustSucceed()
	if got := termios(t, cli.tty); !reflect.DeepEqual(got, saved) {
		t.Error("the terminal was not restored after the escape")
	}
}

// TestPtyPeers: socat's pty server with gcat --raw as the client, and
// socat's raw terminal client and the real telnet client with a gcat pty
// server; telnet's window size reaches the shell.
func TestPtyPeers(t *testing.T) {
	t.Run("gcat --raw, socat exec pty", func(t *testing.T) {
		need(t, "socat")
		port := freeTCPPort(t, "tcp4", "127.0.0.1")
		srv := start(t, nil, "socat", "-d", "-d", "tcp-listen:"+port+",bind=127.0.0.1,reuseaddr", "exec:sh -i,pty,stderr,setsid,sigint,sane")
		srv.waitStderr(regexp.MustCompile(`(listening on)`))
		cli := onTerminal(t, 24, 80, gcatBin, "--raw", "127.0.0.1", port)
		cli.typeKeys("echo socat$((5+5))\r")
		cli.shows("socat10")
		cli.typeKeys("exit\r")
		cli.mustSucceed()
	})
	t.Run("socat raw client, gcat --pty", func(t *testing.T) {
		need(t, "socat")
		_, host, port := ptyServer(t, "-e", "/bin/sh", "127.0.0.1", "0")
		cli := onTerminal(t, 24, 80, "socat", "file:/dev/tty,raw,echo=0", "tcp:"+host+":"+port)
		cli.typeKeys("tty; echo gcat$((6+6))\r")
		cli.shows("/dev/pts/")
		cli.shows("gcat12")
		cli.typeKeys("exit\r")
		cli.mustSucceed()
	})
	t.Run("telnet, gcat -t --pty", func(t *testing.T) {
		need(t, "telnet")
		srv, host, port := ptyServer(t, "-t", "-e", "/bin/sh", "127.0.0.1", "0")
		cli := onTerminal(t, 33, 101, "telnet", host, port)
		srv.waitStderr(regexp.MustCompile(`(resized to 101x33)`))
		cli.typeKeys("stty size\r")
		cli.shows("33 101")
		cli.typeKeys("exit\r")
		srv.mustSucceed()
	})
}

// TestPtyUsage: --pty needs a program; --raw needs a terminal.
func TestPtyUsage(t *testing.T) {
	p := gcat(t, nil, "-l", "--pty", "127.0.0.1", "0")
	if code := p.wait(); code != 2 || !strings.Contains(p.stderr.String(), "--pty runs the program of -e or -c") {
		t.Errorf("--pty without -e: exit %d, %q", code, p.stderr.String())
	}
	port := tcpServer(t, func(c *net.TCPConn) {})
	p = gcat(t, strings.NewReader(""), "--raw", "127.0.0.1", port)
	if code := p.wait(); code != 2 || !strings.Contains(p.stderr.String(), "gcat: --raw and -T need a terminal on stdin\n") {
		t.Errorf("--raw without a terminal: exit %d, %q", code, p.stderr.String())
	}
}
