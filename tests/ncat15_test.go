//go:build linux

package tests

// Issue 15: the exit status with a closed stderr, --proxy-auth as given,
// --broker --send-only/--recv-only and -z port lists, each next to the real
// peer (ncat, OpenBSD nc). The HTTP proxy server's answers are in
// ncat15_proxy_test.go, DTLS and TLS in ncat15_tls_test.go.

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runClosedStderr runs name with stdin from /dev/null, stdout to stdout
// (nil: /dev/null) and stderr to a pipe whose reader has gone, and returns
// how it ended: "exit N" or "signal S".
func runClosedStderr(t *testing.T, stdout *os.File, name string, args ...string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	cmd := exec.Command(name, args...)
	cmd.Stderr = w
	if stdout != nil {
		cmd.Stdout = stdout
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return waitStatus(t, cmd)
}

// waitStatus waits, bounded, for cmd and says how it ended.
func waitStatus(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(bound):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%q did not exit within %v", cmd.Args, bound)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exit %d", ws.ExitStatus())
}

// TestClosedStderrKeepsStatus: a stderr whose reader has gone changes
// nothing gcat reports: a refused connection is still 1, a usage or
// configuration error 2, a verbose run that works 0. ncat ignores SIGPIPE
// only once it has read its options, so 7.93 dies of it on a usage error
// and on -v's first line (measured; its column is only logged). A closed
// stdout still ends gcat with 141, whether stderr is open or not.
func TestClosedStderrKeepsStatus(t *testing.T) {
	closed := freeTCPPort(t, "tcp4", "127.0.0.1")
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	_, open := hostPort(t, ln.Addr().String())
	for _, tt := range []struct {
		args       []string
		want, ncat string // ncat's if it differs
	}{
		{[]string{"127.0.0.1", closed}, "exit 1", ""},
		{[]string{"-z", "127.0.0.1", closed}, "exit 1", ""},
		{[]string{"-vvv", "127.0.0.1", open}, "exit 0", "signal broken pipe"},
		{[]string{"--bogus"}, "exit 2", "signal broken pipe"},
		{[]string{"-e", "/no/such/program", "127.0.0.1", open}, "exit 2", "exit 0"}, // ncat does not check it
	} {
		if got := runClosedStderr(t, nil, gcatBin, tt.args...); got != tt.want {
			t.Errorf("gcat %q with a closed stderr: %s, want %s", tt.args, got, tt.want)
		}
		if !hasProg("ncat") {
			continue
		}
		want := tt.want
		if tt.ncat != "" {
			want = tt.ncat
		}
		if got := runClosedStderr(t, nil, "ncat", tt.args...); got != want {
			t.Logf("ncat %q with a closed stderr: %s (ncat 7.93: %s)", tt.args, got, want)
		}
	}

	// stdout's reader gone: 141 quietly, as the default SIGPIPE would.
	talker := tcpServerN(t, func(c net.Conn) {
		for {
			if _, err := c.Write(make([]byte, 64<<10)); err != nil {
				return
			}
		}
	})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	if got := runClosedStderr(t, w, gcatBin, "127.0.0.1", talker); got != "exit 141" {
		t.Errorf("closed stdout and stderr: %s, want exit 141", got)
	}
	p := hcGcat(t, nil, w, "127.0.0.1", talker)
	if code := p.wait(); code != 141 || p.stderr.String() != "" {
		t.Errorf("closed stdout: exit %d, stderr %q; want 141 and nothing said", code, p.stderr.String())
	}
}

// tcpServerN serves every connection on 127.0.0.1 with serve, each in its
// own goroutine, and returns the port.
func tcpServerN(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(bound))
				serve(c)
			}()
		}
	}()
	_, port := hostPort(t, ln.Addr().String())
	return port
}

// authCapture is an HTTP proxy that asks for Basic credentials (407) and
// reports the Proxy-Authorization a client answers with; it then grants
// the tunnel, which ends at once.
func authCapture(t *testing.T) (string, <-chan string) {
	t.Helper()
	got := make(chan string, 1)
	port := tcpServerN(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		auth, found := "", false
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if v, ok := strings.CutPrefix(line, "Proxy-Authorization: "); ok {
				auth, found = strings.TrimSuffix(v, "\r\n"), true
			}
			if line == "\r\n" {
				break
			}
		}
		if !found {
			io.WriteString(c, "HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n\r\n")
			return
		}
		got <- auth
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
	})
	return "127.0.0.1:" + port, got
}

// TestProxyAuthAsGiven: --proxy-auth is sent as given, as ncat sends it:
// "a" as Basic base64("a"), "" as an empty Basic, ":a" with its empty user.
func TestProxyAuthAsGiven(t *testing.T) {
	for _, auth := range []string{"a", "", ":a", "u:p"} {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(auth))
		progs := []string{gcatBin}
		if hasProg("ncat") {
			progs = append(progs, "ncat")
		}
		for _, prog := range progs {
			proxy, got := authCapture(t)
			cli := start(t, nil, prog, "--proxy", proxy, "--proxy-auth", auth, "127.0.0.1", "9")
			cli.mustSucceed() // after the 200, which comes after the capture
			select {
			case sent := <-got:
				if sent != want {
					t.Errorf("%s --proxy-auth %q sent %q, want %q", prog, auth, sent, want)
				}
			default:
				t.Errorf("%s --proxy-auth %q did not answer the 407: %s", prog, auth, cli.stderr.String())
			}
		}
	}
}

// brokerLeftovers plays one script on a broker (gcat or ncat) in mode
// ("--send-only" or "--recv-only"), checking each line a client must get
// as it comes, and returns what else each client received by the end and
// what the broker wrote to stdout. A client has joined once the broker
// says "Connection from".
func brokerLeftovers(t *testing.T, prog, mode string) map[string]string {
	t.Helper()
	port := "0"
	if prog != gcatBin {
		port = freeTCPPort(t, "tcp4", "127.0.0.1")
	}
	in, stdin := hcPipe(t)
	srv := start(t, in, prog, "--broker", "-v", mode, "127.0.0.1", port)
	_, port = hostPort(t, srv.listenAddr())
	join := func() *brokerClient {
		c := dialBroker(t, "127.0.0.1:"+port)
		srv.waitLines("Connection from", 1)
		return c
	}
	sendOnly := mode == "--send-only"
	expect := func(c *brokerClient, name, line string) {
		t.Helper()
		if got := c.line(); got != line {
			t.Errorf("%s %s: %s got %q, want %q", prog, mode, name, got, line)
		}
	}
	a := join()
	stdin.WriteString("one\n")
	if sendOnly {
		expect(a, "a", "one\n")
	}
	b := join()
	a.c.Write([]byte("from a\n"))
	b.c.Write([]byte("from b\n"))
	stdin.WriteString("two\n")
	if sendOnly { // stdin's line, and no client's before it
		expect(a, "a", "two\n")
		expect(b, "b", "two\n")
	}
	// A half-close ends a --recv-only client (the broker reads it); a
	// --send-only broker does not read its clients (ncat), so there it
	// changes nothing.
	a.c.(*net.TCPConn).CloseWrite()
	if !sendOnly {
		if rest, err := io.ReadAll(a.r); err != nil || len(rest) != 0 {
			t.Errorf("%s %s: a got %q, %v before its EOF", prog, mode, rest, err)
		}
	}
	stdin.WriteString("three\n")
	if sendOnly {
		expect(a, "a", "three\n")
		expect(b, "b", "three\n")
	}
	// Anything else the broker would send was sent by now (stdin's last
	// line reached everyone after it; with --recv-only, a's EOF came
	// after both clients' lines): end the broker, read the rest.
	syscall.Kill(srv.cmd.Process.Pid, syscall.SIGTERM)
	srv.wait()
	out := map[string]string{"stdout": srv.stdout.String()}
	for name, c := range map[string]*brokerClient{"a": a, "b": b} {
		rest, _ := io.ReadAll(c.r) // a reset (unread bytes at ncat's end) ends it too
		out[name] = string(rest)
	}
	return out
}

// TestBrokerSendRecvOnlyMatchNcat: --broker --send-only sends stdin to
// every client and no client's bytes to another; --broker --recv-only sends
// nothing to any client, neither stdin nor other clients' bytes. Neither
// writes clients' bytes to stdout. The same script, on gcat and on ncat.
func TestBrokerSendRecvOnlyMatchNcat(t *testing.T) {
	progs := []string{gcatBin}
	if hasProg("ncat") {
		progs = append(progs, "ncat")
	}
	for _, mode := range []string{"--send-only", "--recv-only"} {
		for _, prog := range progs {
			t.Run(mode+"/"+filepath.Base(prog), func(t *testing.T) {
				for k, v := range brokerLeftovers(t, prog, mode) {
					if v != "" {
						t.Errorf("%s --broker %s: %s got %q as well", prog, mode, k, v)
					}
				}
			})
		}
	}
}

// consecutivePorts finds n consecutive ports on 127.0.0.1 that can all be
// bound, and returns the first with a listener on each.
func consecutivePorts(t *testing.T, n int) (int, []net.Listener) {
	t.Helper()
	for range 100 {
		first, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := first.Addr().(*net.TCPAddr).Port
		lns := []net.Listener{first}
		for p := base + 1; p < base+n && p < 65536; p++ {
			ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				break
			}
			lns = append(lns, ln)
		}
		if len(lns) == n {
			return base, lns
		}
		for _, ln := range lns {
			ln.Close()
		}
	}
	t.Fatalf("no %d consecutive free ports on 127.0.0.1", n)
	return 0, nil
}

var (
	ncOpenRE   = regexp.MustCompile(`(?m)^Connection to 127\.0\.0\.1 (\d+) port \[tcp/[^\]]*\] succeeded!$`)
	gcatOpenRE = regexp.MustCompile(`(?m)^gcat: Connected to 127\.0\.0\.1:(\d+)\.$`)
)

// openPorts lists the ports re finds in s, in order.
func openPorts(re *regexp.Regexp, s string) string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, " ")
}

// TestZeroPortListsMatchNC: -z with a port range or list reports the same
// open ports as OpenBSD nc -z on the same listeners, one line each at -v,
// and exits 0 when any is open, 1 when none is. nc takes a list as
// separate operands; gcat takes those and commas as well.
func TestZeroPortListsMatchNC(t *testing.T) {
	need(t, "nc")
	if out, _ := exec.Command("nc", "-h").CombinedOutput(); !strings.Contains(string(out), "OpenBSD") {
		t.Skip("nc is not OpenBSD's netcat")
	}
	base, lns := consecutivePorts(t, 6)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for _, i := range []int{0, 2, 5} { // closed: base, base+2, base+5
		lns[i].Close()
	}
	p := func(i int) string { return strconv.Itoa(base + i) }
	for _, tt := range []struct {
		gcat, nc []string
		open     string
		code     int
	}{
		{[]string{p(0) + "-" + p(5)}, []string{p(0) + "-" + p(5)}, p(1) + " " + p(3) + " " + p(4), 0},
		{[]string{p(0) + "," + p(1) + "," + p(3) + "-" + p(5)}, []string{p(0), p(1), p(3) + "-" + p(5)}, p(1) + " " + p(3) + " " + p(4), 0},
		{[]string{p(0) + "-" + p(1), p(3) + "," + p(5)}, []string{p(0) + "-" + p(1), p(3), p(5)}, p(1) + " " + p(3), 0},
		{[]string{p(4) + "," + p(2)}, []string{p(4), p(2)}, p(4), 0},
		{[]string{p(0) + "," + p(2) + "," + p(5)}, []string{p(0), p(2), p(5)}, "", 1},
	} {
		nc := start(t, nil, "nc", append([]string{"-zv", "127.0.0.1"}, tt.nc...)...)
		ncCode := nc.wait()
		g := gcat(t, nil, append([]string{"-zv", "127.0.0.1"}, tt.gcat...)...)
		code := g.wait()
		ncOpen, gOpen := openPorts(ncOpenRE, nc.stderr.String()), openPorts(gcatOpenRE, g.stderr.String())
		if ncOpen != tt.open || ncCode != tt.code {
			t.Errorf("nc -zv %v: open %q, exit %d; want %q, %d\n%s", tt.nc, ncOpen, ncCode, tt.open, tt.code, nc.stderr.String())
		}
		if gOpen != ncOpen || code != ncCode {
			t.Errorf("gcat -zv %v: open %q, exit %d; nc: %q, %d\n%s", tt.gcat, gOpen, code, ncOpen, ncCode, g.stderr.String())
		}
	}
}
