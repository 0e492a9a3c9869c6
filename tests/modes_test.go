//go:build linux

package tests

// Modes beside the plain relay: -z, --send-only/--recv-only, -i, --lua-exec, --vsock.

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestZeroIO: -z reports whether a port is open: TCP open 0, closed 1; UDP
// closed 1 (ICMP port unreachable), open 0, with ncat's -v lines.
func TestZeroIO(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, open := hostPort(t, ln.Addr().String())
	u := udpPeer(t, "127.0.0.1:0")
	_, uopen := hostPort(t, u.LocalAddr().String())
	closed := freeTCPPort(t, "tcp4", "127.0.0.1")
	uc := udpPeer(t, "127.0.0.1:0")
	_, uclosed := hostPort(t, uc.LocalAddr().String())
	uc.Close()
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-vz", "127.0.0.1", open}, 0, "Connected to 127.0.0.1:" + open},
		{[]string{"-z", "127.0.0.1", closed}, 1, "connection refused"},
		{[]string{"-vzu", "127.0.0.1", uopen}, 0, "UDP packet sent successfully"},
		{[]string{"-zu", "127.0.0.1", uclosed}, 1, "connection refused"},
	} {
		p := gcat(t, nil, tt.args...)
		if code := p.wait(); code != tt.code || !strings.Contains(p.stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d, %q", tt.args, code, p.stderr.String(), tt.code, tt.want)
		}
	}
	buf := make([]byte, 10)
	if n, _, err := u.ReadFromUDP(buf); err != nil || !bytes.Equal(buf[:n], []byte{0}) {
		t.Fatalf("the UDP probe was %q, %v; ncat sends one zero byte", buf[:n], err)
	}
}

// TestSendOnlyRecvOnly: --send-only ignores what the peer sends and quits
// after its input; --recv-only sends nothing.
func TestSendOnlyRecvOnly(t *testing.T) {
	got := make(chan string, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		c.Write([]byte("banner\n"))
		b, _ := io.ReadAll(c)
		got <- string(b)
		// The server keeps its side open: --send-only must not wait.
		c.SetReadDeadline(time.Now().Add(bound))
		c.Read(make([]byte, 1))
	})
	cli := gcat(t, strings.NewReader("data\n"), "--send-only", "127.0.0.1", port)
	cli.mustSucceed()
	if s := <-got; s != "data\n" || cli.stdout.String() != "" {
		t.Fatalf("server got %q, client printed %q", s, cli.stdout.String())
	}

	sent := make(chan string, 1)
	port = tcpServer(t, func(c *net.TCPConn) {
		c.Write([]byte("news\n"))
		c.CloseWrite()
		c.SetReadDeadline(time.Now().Add(time.Second))
		b, _ := io.ReadAll(c)
		sent <- string(b)
	})
	cli = gcat(t, strings.NewReader("must not be sent\n"), "--recv-only", "127.0.0.1", port)
	cli.mustSucceed()
	if s := cli.stdout.String(); s != "news\n" {
		t.Fatalf("client printed %q", s)
	}
	if s := <-sent; s != "" {
		t.Fatalf("--recv-only sent %q", s)
	}
}

// TestIdleTimeout: -i ends a connection on which nothing moved: exit 1 in
// connect mode, 2 in listen mode (as ncat), with the reason.
func TestIdleTimeout(t *testing.T) {
	port := tcpServer(t, func(c *net.TCPConn) { io.ReadAll(c) })
	in, inW := hcPipe(t)
	defer inW.Close()
	cli := gcat(t, in, "-i", "300ms", "127.0.0.1", port)
	if code := cli.wait(); code != 1 || !strings.Contains(cli.stderr.String(), "gcat: idle timeout expired (300 ms)") {
		t.Fatalf("connect: exit %d, stderr %q", code, cli.stderr.String())
	}

	in2, inW2 := hcPipe(t)
	defer inW2.Close()
	srv := gcat(t, in2, "-lv", "-i", "300ms", "127.0.0.1", "0")
	c, err := net.Dial("tcp4", srv.listenAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if code := srv.wait(); code != 2 || !strings.Contains(srv.stderr.String(), "idle timeout expired") {
		t.Fatalf("listen: exit %d, stderr %q", code, srv.stderr.String())
	}
}

// TestLuaExec: --lua-exec runs an ncat Lua script per connection, with the
// connection as its stdin/stdout and ncat's environment.
func TestLuaExec(t *testing.T) {
	script := filepath.Join(t.TempDir(), "up.lua")
	os.WriteFile(script, []byte(`io.write(os.getenv("NCAT_PROTO"), "\n")
for l in io.lines() do print(string.upper(l)) end
`), 0o644)
	srv := gcat(t, nil, "-lkv", "127.0.0.1", "0", "--lua-exec", script)
	host, port := hostPort(t, srv.listenAddr())
	for i := 0; i < 2; i++ {
		cli := gcat(t, strings.NewReader("abc\nxyz\n"), host, port)
		cli.mustSucceed()
		if s := cli.stdout.String(); s != "TCP\nABC\nXYZ\n" {
			t.Fatalf("client %d got %q", i, s)
		}
	}
}

// TestVsockError: --vsock says clearly why it cannot connect.
func TestVsockError(t *testing.T) {
	p := gcat(t, nil, "-w", "2s", "--vsock", "4294967294", "9")
	if code := p.wait(); code != 1 || !strings.HasPrefix(p.stderr.String(), "gcat: vsock") {
		t.Fatalf("exit %d, stderr %q", code, p.stderr.String())
	}
}
