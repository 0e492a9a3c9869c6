package tests

import (
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
	"testing"
	"time"
)

// udpPeer is a UDP socket of the test's on loopback.
func udpPeer(t *testing.T, addr string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", mustUDPAddr(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(bound))
	return c
}

func mustUDPAddr(t *testing.T, addr string) *net.UDPAddr {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestUDPClientWaitsForReplies: a UDP client whose stdin has ended still
// prints the replies that come after (each within the default wait), then
// exits 0 by itself; each read of stdin is one datagram.
func TestUDPClientWaitsForReplies(t *testing.T) {
	srv := udpPeer(t, "127.0.0.1:0")
	go func() {
		buf := make([]byte, 65536)
		n, from, err := srv.ReadFromUDP(buf)
		if err != nil {
			return
		}
		// Three replies, each sent only after the previous: all arrive
		// after the client's stdin EOF.
		for i := 0; i < 3; i++ {
			srv.WriteToUDP([]byte(fmt.Sprintf("%d:%s", i, bytes.ToUpper(buf[:n]))), from)
		}
	}()
	_, port := hostPort(t, srv.LocalAddr().String())
	cli := gcat(t, strings.NewReader("hello\n"), "-u", "127.0.0.1", port)
	cli.mustSucceed()
	if got := cli.stdout.String(); got != "0:HELLO\n1:HELLO\n2:HELLO\n" {
		t.Fatalf("client printed %q", got)
	}
}

// TestUDPClientRefused: an ICMP port unreachable ends a UDP client with a
// clear error, exit 1.
func TestUDPClientRefused(t *testing.T) {
	c := udpPeer(t, "127.0.0.1:0")
	_, port := hostPort(t, c.LocalAddr().String())
	c.Close()
	cli := gcat(t, strings.NewReader("x\n"), "-u", "127.0.0.1", port)
	if code := cli.wait(); code != 1 || !strings.Contains(cli.stderr.String(), "connection refused") {
		t.Fatalf("exit %d, stderr %q", code, cli.stderr.String())
	}
}

// TestUDPListenOnce: -ul serves the first peer: its datagrams reach stdout,
// stdin goes back to it, and another peer is ignored. Stdin's EOF does not
// end the server (ncat 7.95+).
func TestUDPListenOnce(t *testing.T) {
	in, inW := hcPipe(t)
	srv := gcat(t, in, "-ulv", "127.0.0.1", "0")
	addr := mustUDPAddr(t, srv.listenAddr())
	a, b := udpPeer(t, "127.0.0.1:0"), udpPeer(t, "127.0.0.1:0")
	a.WriteToUDP([]byte("from a\n"), addr)
	if line := srv.nextStdoutLine(); line != "from a" {
		t.Fatalf("server printed %q", line)
	}
	b.WriteToUDP([]byte("from b\n"), addr)
	inW.WriteString("reply\n")
	buf := make([]byte, 100)
	n, from, err := a.ReadFromUDP(buf)
	if err != nil || string(buf[:n]) != "reply\n" || from.String() != addr.String() {
		t.Fatalf("peer a got %q from %v, %v", buf[:n], from, err)
	}
	inW.Close()
	a.WriteToUDP([]byte("after stdin EOF\n"), addr)
	if line := srv.nextStdoutLine(); line != "after stdin EOF" {
		t.Fatalf("server printed %q (peer b must be ignored)", line)
	}
}

// TestUDPReplySource: a server on every address answers from the address
// the peer sent to, and tells its child that address.
func TestUDPReplySource(t *testing.T) {
	srv := gcat(t, nil, "-ulkv", "0.0.0.0", "0", "-c", `echo "$NCAT_PROTO $NCAT_LOCAL_ADDR"; cat`)
	_, port := hostPort(t, srv.listenAddr())
	c := udpPeer(t, "127.0.0.1:0")
	to := mustUDPAddr(t, "127.0.0.2:"+port)
	if _, err := c.WriteToUDP([]byte("x\n"), to); err != nil {
		t.Skipf("cannot send to 127.0.0.2 here: %v", err)
	}
	buf := make([]byte, 100)
	n, from, err := c.ReadFromUDP(buf)
	if err != nil || string(buf[:n]) != "UDP 127.0.0.2\n" || !from.IP.Equal(to.IP) {
		t.Fatalf("got %q from %v, %v", buf[:n], from, err)
	}
}

// TestUDPKeepOpenExec: -ulk -e gives every peer its own child, replies
// routed to the right peer, many peers at once.
func TestUDPKeepOpenExec(t *testing.T) {
	srv := gcat(t, nil, "-ulkv", "127.0.0.1", "0", "-c", `read l; echo "$NCAT_REMOTE_PORT $l"`)
	addr := mustUDPAddr(t, srv.listenAddr())
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialUDP("udp4", nil, addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(bound))
			fmt.Fprintf(c, "peer%d\n", i)
			buf := make([]byte, 100)
			n, err := c.Read(buf)
			_, port := hostPort(t, c.LocalAddr().String())
			if want := fmt.Sprintf("%s peer%d\n", port, i); err != nil || string(buf[:n]) != want {
				t.Errorf("peer %d got %q, %v; want %q", i, buf[:n], err, want)
			}
		}()
	}
	wg.Wait()
}

// TestUDPKeepOpenHub: -ulk without -e: every peer's datagrams reach stdout,
// stdin reaches every peer.
func TestUDPKeepOpenHub(t *testing.T) {
	in, inW := hcPipe(t)
	srv := gcat(t, in, "-ulkv", "127.0.0.1", "0")
	addr := mustUDPAddr(t, srv.listenAddr())
	a, b := udpPeer(t, "127.0.0.1:0"), udpPeer(t, "127.0.0.1:0")
	a.WriteToUDP([]byte("a\n"), addr)
	b.WriteToUDP([]byte("b\n"), addr)
	got := []string{srv.nextStdoutLine(), srv.nextStdoutLine()}
	if !(got[0] == "a" && got[1] == "b" || got[0] == "b" && got[1] == "a") {
		t.Fatalf("server printed %q", got)
	}
	inW.WriteString("to all\n")
	for _, c := range []*net.UDPConn{a, b} {
		buf := make([]byte, 100)
		if n, _, err := c.ReadFromUDP(buf); err != nil || string(buf[:n]) != "to all\n" {
			t.Fatalf("peer got %q, %v", buf[:n], err)
		}
	}
}

// TestUnixDatagram: -luU and -uU, with gcat and ncat as clients; the
// client's own reply socket file is gone when it exits.
func TestUnixDatagram(t *testing.T) {
	for _, client := range []string{gcatBin, "ncat"} {
		t.Run(filepath.Base(client), func(t *testing.T) {
			if client == "ncat" {
				need(t, "ncat")
			}
			dir := t.TempDir()
			sock := filepath.Join(dir, "s")
			srv := gcat(t, nil, "-luUv", sock, "-c", `read l; echo "got $l via $NCAT_PROTO"`)
			srv.listenAddr()
			tmp := t.TempDir()
			if client == "ncat" {
				// ncat 7.93 quits at stdin's EOF, before any reply: its
				// stdin stays open until the reply is read.
				in, inW := hcPipe(t)
				defer inW.Close()
				cli := start(t, in, client, "-uU", sock)
				inW.WriteString("hi\n")
				if line := cli.nextStdoutLine(); line != "got hi via UDP" {
					t.Fatalf("ncat got %q", line)
				}
				return
			}
			cli := start(t, strings.NewReader("hi\n"), "env", "TMPDIR="+tmp, client, "-uU", sock)
			cli.mustSucceed()
			if got := cli.stdout.String(); got != "got hi via UDP\n" {
				t.Fatalf("client got %q", got)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Fatalf("the client left %v in its temp dir", left)
			}
		})
	}
}

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

// TestCRLF: -C sends bare LFs as CR LF, in connect mode and for an exec
// child's output.
func TestCRLF(t *testing.T) {
	got := make(chan string, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c)
		got <- string(b)
	})
	gcat(t, strings.NewReader("a\nb\r\nc\n"), "-C", "127.0.0.1", port).mustSucceed()
	if s := <-got; s != "a\r\nb\r\nc\r\n" {
		t.Fatalf("server got %q", s)
	}
	srv := gcat(t, nil, "-lvC", "127.0.0.1", "0", "-c", `printf 'x\ny\n'`)
	host, p := hostPort(t, srv.listenAddr())
	cli := gcat(t, nil, host, p)
	cli.mustSucceed()
	if s := cli.stdout.String(); s != "x\r\ny\r\n" {
		t.Fatalf("client got %q from the child", s)
	}
}

// TestHexDumpMatchesNcat: -x writes what ncat writes for the same session
// (one chunk received), and -o the raw bytes; --append-output appends.
func TestHexDumpMatchesNcat(t *testing.T) {
	need(t, "ncat")
	payload := "hello world 1234567890\x01\xff end\n"
	dump := func(prog string, extra ...string) (hex, raw string) {
		dir := t.TempDir()
		hx, out := filepath.Join(dir, "x"), filepath.Join(dir, "o")
		e := endpoint{network: "tcp4", host: "127.0.0.1"}
		args := append(e.listenArgs(t, prog), append([]string{"-x", hx, "-o", out}, extra...)...)
		for range 2 { // with --append-output the second run adds to the first
			srv := start(t, nil, prog, args...)
			_, port := hostPort(t, srv.listenAddr())
			c, err := net.Dial("tcp4", "127.0.0.1:"+port)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte(payload))
			c.(*net.TCPConn).CloseWrite()
			io.ReadAll(c)
			c.Close()
			srv.wait()
			if len(extra) == 0 {
				break
			}
		}
		h, _ := os.ReadFile(hx)
		o, _ := os.ReadFile(out)
		return string(h), string(o)
	}
	for _, extra := range [][]string{nil, {"--append-output"}} {
		wantHex, wantRaw := dump("ncat", extra...)
		gotHex, gotRaw := dump(gcatBin, extra...)
		if gotHex != wantHex || wantHex == "" {
			t.Errorf("%q: gcat's hex dump:\n%s\nncat's:\n%s", extra, gotHex, wantHex)
		}
		if gotRaw != wantRaw || !strings.HasPrefix(wantRaw, payload) {
			t.Errorf("%q: gcat's -o file %q, ncat's %q", extra, gotRaw, wantRaw)
		}
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

// TestTelnet: -t refuses the server's options (DO -> WONT, WILL -> DONT)
// and prints only the text.
func TestTelnet(t *testing.T) {
	answers := make(chan []byte, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		c.Write([]byte("\xff\xfd\x18\xff\xfb\x01login: "))
		b := make([]byte, 6)
		io.ReadFull(c, b)
		answers <- b
		c.CloseWrite()
		io.ReadAll(c)
	})
	in, inW := hcPipe(t)
	defer inW.Close()
	cli := gcat(t, in, "-t", "127.0.0.1", port)
	if b := <-answers; string(b) != "\xff\xfc\x18\xff\xfe\x01" {
		t.Fatalf("answers %q", b)
	}
	cli.mustSucceed()
	if s := cli.stdout.String(); s != "login: " {
		t.Fatalf("client printed %q", s)
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

// TestRateAndProgress: --rate-out holds the upload near its rate (a loose
// lower bound: the accurate figure is a benchmark), every byte arrives, and
// --progress without a terminal prints one summary line on stderr and
// nothing on stdout.
func TestRateAndProgress(t *testing.T) {
	const size = 768 << 10
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	got := make(chan []byte, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c)
		got <- b
	})
	start := time.Now()
	cli := gcat(t, bytes.NewReader(data), "--rate-out", "512K", "--progress", "127.0.0.1", port)
	cli.mustSucceed()
	elapsed := time.Since(start)
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("server got %d bytes", len(b))
	}
	// 768 KiB at 512 KiB/s: 1.5 s, less one burst of 51 KiB.
	if elapsed < 1300*time.Millisecond {
		t.Fatalf("768 KiB at 512 KiB/s took only %v", elapsed)
	}
	if cli.stdout.String() != "" {
		t.Fatalf("stdout %q", cli.stdout.String())
	}
	re := regexp.MustCompile(`^gcat: sent 768\.00 KiB \(786432 bytes\), received 0 B \(0 bytes\) in [0-9.]+ s \([0-9.]+ \S+/s up, 0 B/s down\)\n$`)
	if !re.MatchString(cli.stderr.String()) {
		t.Fatalf("stderr %q", cli.stderr.String())
	}
}

// TestDelay: -d waits between reads of what is sent.
func TestDelay(t *testing.T) {
	got := make(chan string, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c)
		got <- string(b)
	})
	start := time.Now()
	// A file is read in one go; the read that finds EOF is the second.
	f := filepath.Join(t.TempDir(), "in")
	os.WriteFile(f, []byte("x\n"), 0o644)
	in, _ := os.Open(f)
	defer in.Close()
	gcat(t, in, "-d", "500ms", "127.0.0.1", port).mustSucceed()
	if s := <-got; s != "x\n" || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("got %q after %v", s, time.Since(start))
	}
}

// TestVsockError: --vsock says clearly why it cannot connect.
func TestVsockError(t *testing.T) {
	p := gcat(t, nil, "-w", "2s", "--vsock", "4294967294", "9")
	if code := p.wait(); code != 1 || !strings.HasPrefix(p.stderr.String(), "gcat: vsock") {
		t.Fatalf("exit %d, stderr %q", code, p.stderr.String())
	}
}

// TestProgressLive: with stderr on a terminal, --progress redraws one live
// line in place ("\r" ... erase to end of line) several times during the
// transfer, erases it at the end and prints the summary.
func TestProgressLive(t *testing.T) {
	master, slave := hcOpenPTY(t)
	const size = 512 << 10
	port := tcpServer(t, func(c *net.TCPConn) { io.Copy(io.Discard, c) })
	cmd := exec.Command(gcatBin, "--rate-out", "256K", "--progress", "127.0.0.1", port)
	cmd.Stdin = bytes.NewReader(bytes.Repeat([]byte("x"), size))
	cmd.Stderr = slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close() // the child's copy is the only one left: EOF on the master at its exit
	output := hcReadAll(t, master)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("gcat: %v", err)
		}
	case <-time.After(bound):
		cmd.Process.Kill()
		t.Fatal("gcat did not exit")
	}
	out := string(output())
	// 512 KiB at 256 KiB/s is about 2 s: at four redraws a second there
	// are several, the exact count depending on the machine.
	if n := strings.Count(out, "\rgcat: sent "); n < 2 {
		t.Errorf("%d live redraws, want several: %q", n, out)
	}
	if !strings.Contains(out, "\x1b[K") {
		t.Errorf("the live line is never erased: %q", out)
	}
	summary := regexp.MustCompile(`\r\x1b\[Kgcat: sent 512\.00 KiB \(524288 bytes\), received 0 B \(0 bytes\) in [0-9.]+ s \(.*\)\r?\n$`)
	if !summary.MatchString(out) {
		t.Errorf("no erase and summary at the end: %q", out)
	}
}

// TestRateKeepOpenExec: --rate-in on a -lk -e server limits each
// connection (a loose lower bound on the time), and every byte is echoed.
func TestRateKeepOpenExec(t *testing.T) {
	srv := gcat(t, nil, "-lkv", "--rate-in", "256K", "127.0.0.1", "0", "-e", "/bin/cat")
	host, port := hostPort(t, srv.listenAddr())
	data := bytes.Repeat([]byte("0123456789abcdef"), (384<<10)/16)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			cli := gcat(t, bytes.NewReader(data), host, port)
			cli.mustSucceed()
			// 384 KiB at 256 KiB/s: 1.5 s less one burst of 25.6 KiB.
			if elapsed := time.Since(start); elapsed < 1300*time.Millisecond {
				t.Errorf("client %d: 384 KiB at 256 KiB/s took only %v", i, elapsed)
			}
			if !bytes.Equal(cli.stdout.Bytes(), data) {
				t.Errorf("client %d got %d bytes back", i, len(cli.stdout.Bytes()))
			}
		}()
	}
	wg.Wait()
}
