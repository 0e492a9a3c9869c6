package luaexec

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAgainstNcat: for the same script and input, ncat's --lua-exec (C Lua
// 5.3 in Debian's ncat 7.93) sends the peer the same bytes as Run does.
//
// Scripts that write with io.write and end only at the end of their input
// (the plain echo loop) are left out: ncat's C Lua buffers io.write until
// the script ends, and ncat closes the connection when the peer's input ends,
// so the peer gets nothing from ncat. gcat writes at once (see
// TestClassicScripts); the echo loop below flushes, and then both agree.
func TestAgainstNcat(t *testing.T) {
	ncat, err := exec.LookPath("ncat")
	if err != nil {
		t.Skip("ncat is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	help, _ := exec.CommandContext(ctx, ncat, "--help").CombinedOutput()
	if !bytes.Contains(help, []byte("--lua-exec")) {
		t.Skip("this ncat is built without Lua: it has no --lua-exec")
	}
	cases := []scriptCase{
		{"echo-flushed", `while true do local l = io.read(); if not l then break end; io.write(l, "\n"); io.flush() end`,
			"a\nbb\n", "a\nbb\n"},
		{"formats", `local n = io.read("n") local l = io.read("L") local c = io.read(3)
local r = io.read("*l") io.write(n * 2, "|", l, "|", c, "|", r, "|", io.read(0), "|", io.read(1))`,
			"21 x\nabcdef\nmore", "42| x\n|abc|def||m"},
		{"print", `print("a", 1, nil, true, "b") print()`, "", "a\t1\tnil\ttrue\tb\n\n"},
		{"exit", `io.write("bye\n") os.exit(3) io.write("not reached")`, "", "bye\n"},
		{"error", "io.write('x')\nerror('boom')\n", "", "x"},
	}
	for _, tt := range classicCases {
		// ncat gives nothing to the plain echo loop, nor to a script
		// whose input ends at once.
		if tt.body != echoScript && (tt.in != "" || tt.name == "hello") {
			cases = append(cases, tt)
		}
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if tt.body == httpScript {
				want = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\nHello, 127.0.0.1\n"
			}
			path := script(t, tt.body)
			ours, _, _ := runChild(t, path, tt.in, "NCAT_REMOTE_ADDR=127.0.0.1")
			theirs := ncatOutput(t, ncat, path, tt.in, len(ours))
			if ours != theirs || ours != want {
				t.Fatalf("gcat %q, ncat %q, want %q", ours, theirs, want)
			}
		})
	}
}

// ncatOutput runs ncat -l --lua-exec path for one connection over TCP on
// 127.0.0.1, sends input, reads until n bytes have come (or the connection
// ends, or 3 s pass), then ends its input and reads what else comes.
func ncatOutput(t *testing.T, ncat, path, input string, n int) string {
	t.Helper()
	for attempt := 0; attempt < 3; attempt++ {
		if out, ok := ncatOnce(t, ncat, path, input, n); ok {
			return out
		}
	}
	t.Fatal("ncat did not listen")
	return ""
}

// ncatOnce is one try of ncatOutput on a port that was free a moment ago;
// it returns false if ncat could not listen there (ncat -l on port 0 does
// not say which port it got).
func ncatOnce(t *testing.T, ncat, path, input string, n int) (string, bool) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ncat, "-v", "-l", "127.0.0.1", port, "--lua-exec", path)
	cmd.WaitDelay = 2 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan bool, 1)
	logDone := make(chan string, 1)
	go watchNcat(stderr, listening, logDone)
	// finish waits for ncat, which ends after its one connection, and
	// returns what it logged.
	finish := func() string {
		var log string
		select {
		case log = <-logDone:
		case <-time.After(5 * time.Second):
			cancel()
			log = <-logDone
		}
		cmd.Wait()
		return log
	}

	select {
	case ok := <-listening:
		if !ok {
			t.Logf("ncat on port %s: %s", port, finish())
			return "", false
		}
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatalf("ncat did not listen in 5s: %s", finish())
	}
	out, err := exchange(addr, input, n)
	if err != nil {
		t.Logf("talking to ncat: %v", err)
	}
	finish()
	return out, true
}

// watchNcat reads ncat -v's messages: it reports on listening whether ncat
// said it listens before its messages ended, and sends all of them to done
// when they end.
func watchNcat(stderr io.Reader, listening chan<- bool, done chan<- string) {
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	told := false
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if !told && strings.HasPrefix(sc.Text(), "Ncat: Listening on ") {
			listening <- true
			told = true
		}
	}
	if !told {
		listening <- false
	}
	done <- log.String()
}

// exchange connects to addr, sends input, reads until n bytes have come (or
// the connection ends, or 3 s pass), then ends its input and reads what
// else comes.
func exchange(addr, input string, n int) (string, error) {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	conn := c.(*net.TCPConn)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(input)); err != nil {
		return "", err
	}
	var out bytes.Buffer
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = io.CopyN(&out, conn, int64(n))
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		conn.CloseWrite()
		_, err = io.Copy(&out, conn)
	}
	if err == io.EOF {
		err = nil
	}
	return out.String(), err
}
