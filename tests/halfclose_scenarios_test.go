//go:build linux

package tests

// Half-close scenarios beyond the matrix: the fifo pipe loop, a peer that
// closes while stdin is idle, uploads to a server without input, loops back
// into the client's stdin, exec echo without deadlock, connect-mode -k, -q
// and --no-shutdown, and the cases where the anchors (ncat, nc, socat) lose
// data.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hcReadStatus reads an exit status a shell script wrote to path.
func hcReadStatus(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// hcLoopScript runs `mkfifo $1; ${@:3} <$1 | tr a-z A-Z >$1` and writes the
// exit statuses of the pipeline to $2. The pipeline's commands must be its
// own processes: a subshell wrapped around gcat to catch its status would
// hold the pipe to tr open, and tr would never see gcat's EOF.
const hcLoopScript = `mkfifo "$1" && "${@:3}" <"$1" | tr a-z A-Z >"$1"; echo "${PIPESTATUS[@]}" >"$2"`

// TestHalfCloseFifoLoop is the loop from the issue,
// `mkfifo t; gcat -l PORT <t | tr a-z A-Z >t`: the server's output comes
// back as its input. The client's EOF must travel through tr and the fifo
// and come back as the server's EOF, with all 3 MB upper-cased on the way,
// and every process must exit by itself.
func TestHalfCloseFifoLoop(t *testing.T) {
	need(t, "bash", "tr", "mkfifo")
	dir := t.TempDir()
	req := hcShared(t, hcText, 3_000_000, 1)
	fifo, status := filepath.Join(dir, "t"), filepath.Join(dir, "status")
	loop := start(t, nil, "bash", "-c", hcLoopScript, "bash",
		fifo, status, gcatBin, "-lv", "127.0.0.1", "0")
	host, port := hostPort(t, loop.listenAddr())
	out := filepath.Join(dir, "client.out")
	cli := hcGcat(t, hcOpenIn(t, req.path), hcCreateOut(t, out), host, port)
	cli.mustSucceed()
	loop.mustSucceed()
	if s := hcReadStatus(t, status); s != "0 0" {
		t.Errorf("exit statuses of gcat and tr: %s\nstderr: %s", s, loop.stderr.String())
	}
	hcCheckFile(t, "client's stdout", out, req.upper)
}

// hcReplyAndClose are servers that send "reply\n" and end their side of the
// connection, then wait for the client to go.
var hcReplyAndClose = []struct {
	name  string
	start func(t *testing.T) (srv *proc, host, port string, check func())
}{
	{"gcat", func(t *testing.T) (*proc, string, string, func()) {
		srv := gcat(t, strings.NewReader("reply\n"), "-lv", "127.0.0.1", "0")
		host, port := hostPort(t, srv.listenAddr())
		return srv, host, port, func() {
			srv.mustSucceed()
			if got := srv.stdout.String(); got != "" {
				t.Errorf("server's stdout: %q, want nothing", got)
			}
		}
	}},
	{"python-close", func(t *testing.T) (*proc, string, string, func()) {
		srv, port := hcPyServer(t, nil, "c.sendall(b'reply\\n')\nc.close()\n")
		return srv, "127.0.0.1", port, srv.mustSucceed
	}},
	{"python-shutdown", func(t *testing.T) (*proc, string, string, func()) {
		srv, port := hcPyServer(t, nil, "c.sendall(b'reply\\n')\nc.shutdown(socket.SHUT_WR)\nprint(repr(read_all(c)))\n")
		return srv, "127.0.0.1", port, func() {
			srv.mustSucceed()
			if got := scanLines(srv.stdout.Bytes()); len(got) != 2 || got[1] != "b''" {
				t.Errorf("server received %q, want nothing", got[1:])
			}
		}
	}},
}

// TestHalfClosePeerClosedStdinIdle: the server replies and ends its side;
// the client's stdin is a pipe nobody writes to (the test holds the write end
// open) or a terminal nobody types on. The client must print the reply and
// exit 0 by itself instead of hanging in CLOSE_WAIT.
func TestHalfClosePeerClosedStdinIdle(t *testing.T) {
	stdins := map[string]func(t *testing.T) *os.File{
		"pipe": func(t *testing.T) *os.File {
			r, _ := hcPipe(t) // the write end stays open, idle, until cleanup
			return r
		},
		"terminal": func(t *testing.T) *os.File {
			_, tty := hcOpenPTY(t)
			return tty
		},
	}
	for _, s := range hcReplyAndClose {
		for kind, stdin := range stdins {
			t.Run("server="+s.name+"/stdin="+kind, func(t *testing.T) {
				_, host, port, check := s.start(t)
				cli := hcGcat(t, stdin(t), nil, host, port)
				cli.mustSucceed()
				if got := cli.stdout.String(); got != "reply\n" {
					t.Errorf("client's stdout: %q", got)
				}
				check()
			})
		}
	}
}

// TestHalfCloseUploadToServerWithoutInput: `gcat -l >file </dev/null` sends
// its EOF at once; the client must still upload all 64 MiB (newest ncat
// stops after 64 KiB), whether its stdin is a file or a pipe that keeps
// delivering.
func TestHalfCloseUploadToServerWithoutInput(t *testing.T) {
	req := hcShared(t, hcRandom, 64<<20, 1)
	for _, stdin := range []string{"file", "pipe"} {
		t.Run("stdin="+stdin, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "server.out")
			srv := hcGcat(t, nil, hcCreateOut(t, out), "-lv", "127.0.0.1", "0")
			host, port := hostPort(t, srv.listenAddr())
			var cli *proc
			if stdin == "file" {
				cli = hcGcat(t, hcOpenIn(t, req.path), nil, host, port)
			} else {
				cli = start(t, nil, "sh", "-c", `cat "$1" | "$2" "$3" "$4"`, "sh", req.path, gcatBin, host, port)
			}
			cli.mustSucceed()
			srv.mustSucceed()
			hcCheckFile(t, "server's stdout", out, req.plain)
			if got := cli.stdout.String(); got != "" {
				t.Errorf("client's stdout: %q, want nothing", got)
			}
		})
	}
}

// TestHalfCloseLoopedPipelineTail: the client's stdout goes through tr and a
// fifo back into its stdin. tr emits its last block only after the client
// has passed the server's EOF on to it, so that tail reaches the client's
// stdin after the peer has ended: it must still be forwarded, and the server
// must get the whole reply back upper-cased.
func TestHalfCloseLoopedPipelineTail(t *testing.T) {
	need(t, "bash", "tr", "mkfifo")
	dir := t.TempDir()
	reply := hcShared(t, hcText, 3_000_000, 2)
	out := filepath.Join(dir, "server.out")
	srv := hcGcat(t, hcOpenIn(t, reply.path), hcCreateOut(t, out), "-lv", "127.0.0.1", "0")
	host, port := hostPort(t, srv.listenAddr())
	fifo, status := filepath.Join(dir, "f"), filepath.Join(dir, "status")
	loop := start(t, nil, "bash", "-c", hcLoopScript, "bash", fifo, status, gcatBin, host, port)
	loop.mustSucceed()
	srv.mustSucceed()
	if s := hcReadStatus(t, status); s != "0 0" {
		t.Errorf("exit statuses of gcat and tr: %s\nstderr: %s", s, loop.stderr.String())
	}
	hcCheckFile(t, "server's stdout", out, reply.upper)
}

// TestHalfCloseExecCatEcho: a client streams 64 MiB into `-e /bin/cat` while
// reading the echo. The relay must not block on the child's stdin while its
// stdout is full (ncat deadlocks here), and the echo must be byte-exact.
func TestHalfCloseExecCatEcho(t *testing.T) {
	req := hcShared(t, hcRandom, 64<<20, 2)
	for _, c := range hcClients {
		if c.name != "gcat" && c.name != "python" {
			continue
		}
		t.Run("client="+c.name, func(t *testing.T) {
			need(t, c.need...)
			srv := gcat(t, nil, "-lv", "127.0.0.1", "0", "-e", "/bin/cat")
			host, port := hostPort(t, srv.listenAddr())
			argv := c.argv(hcEndpoint{host: host, port: port})
			out := filepath.Join(t.TempDir(), "client.out")
			cli := hcStart(t, hcOpenIn(t, req.path), hcCreateOut(t, out), argv[0], argv[1:]...)
			cli.mustSucceed()
			srv.mustSucceed()
			hcCheckFile(t, "echo", out, req.plain)
		})
	}
}

// TestHalfCloseExecShortReply: a short request to `-e /bin/cat` (ncat 7.93
// returns nothing) and 3.6 MB through `-e 'tr a-z A-Z'` (ncat 7.93 loses the
// tail), from every client: the whole reply must come back.
func TestHalfCloseExecShortReply(t *testing.T) {
	dir := t.TempDir()
	short := hcFixedPayload(t, dir, "short", []byte("hello, world\n"))
	long := hcShared(t, hcText, 3_600_000, 1)
	cases := []struct {
		name string
		exec []string
		req  hcPayload
		want hcDigest
	}{
		{"cat-short", []string{"-e", "/bin/cat"}, short, short.plain},
		{"tr-3.6MB", []string{"-e", "tr a-z A-Z"}, long, long.upper},
		{"sh-tr-3.6MB", []string{"-c", "tr a-z A-Z"}, long, long.upper},
	}
	for _, tc := range cases {
		for _, c := range hcClients {
			t.Run(tc.name+"/client="+c.name, func(t *testing.T) {
				need(t, c.need...)
				srv := gcat(t, nil, append([]string{"-lv", "127.0.0.1", "0"}, tc.exec...)...)
				host, port := hostPort(t, srv.listenAddr())
				argv := c.argv(hcEndpoint{host: host, port: port})
				out := filepath.Join(t.TempDir(), "client.out")
				cli := hcStart(t, hcOpenIn(t, tc.req.path), hcCreateOut(t, out), argv[0], argv[1:]...)
				cli.mustSucceed()
				srv.mustSucceed()
				hcCheckFile(t, "reply", out, tc.want)
			})
		}
	}
}

// TestConnectKeepOpenAfterPeerEOF: in connect mode -k outlives the server's
// EOF (ncat 7.96+): the client passes the EOF on (closes its stdout), then
// keeps forwarding stdin, here data written well after the EOF and longer
// than the linger, until stdin ends.
func TestConnectKeepOpenAfterPeerEOF(t *testing.T) {
	srv, port := hcPyServer(t, nil, `
c.sendall(b"bye\n")
c.shutdown(socket.SHUT_WR)
sys.stdout.write(read_all(c).decode())
`)
	inR, inW := hcPipe(t)
	outR, outW := hcPipe(t)
	cli := hcGcat(t, inR, outW, "-k", "--linger", "20ms", "127.0.0.1", port)
	outW.Close()
	inR.Close()
	if got := string(hcReadAll(t, outR)()); got != "bye\n" {
		t.Fatalf("client's stdout: %q", got)
	}
	// The client has seen the server's EOF. Stay silent for ten lingers:
	// without -k it would give stdin up now.
	time.Sleep(200 * time.Millisecond)
	if _, err := inW.WriteString("later\n"); err != nil {
		t.Fatalf("writing the client's stdin: %v (has it exited? %v)", err, cli.exited())
	}
	inW.Close()
	cli.mustSucceed()
	srv.mustSucceed()
	if got := scanLines(srv.stdout.Bytes())[1:]; len(got) != 1 || got[0] != "later" {
		t.Errorf("server received %q, want [later]", got)
	}
}

// hcHoldOpen is a server that reads to EOF, says what it got, and keeps the
// connection open until its stdin ends. It sends nothing: a client that
// quits with unread data would reset the connection.
const hcHoldOpen = `
print("got " + repr(read_all(c)), flush=True)
sys.stdin.read()
c.close()
`

// TestConnectQuitAfterStdinEOF: with -q the client quits that long after
// its stdin's EOF although the server keeps the connection open; without -q
// it waits for the server.
func TestConnectQuitAfterStdinEOF(t *testing.T) {
	for _, q := range []string{"0", "500ms", "1s"} {
		t.Run("q="+q, func(t *testing.T) {
			srvIn, hold := hcPipe(t)
			srv, port := hcPyServer(t, srvIn, hcHoldOpen)
			cli := gcat(t, strings.NewReader("hello\n"), "-q", q, "127.0.0.1", port)
			cli.mustSucceed() // the server still holds the connection
			if got := srv.nextStdoutLine(); got != "got b'hello\\n'" {
				t.Errorf("server: %s", got)
			}
			hold.Close()
			srv.mustSucceed()
		})
	}
	t.Run("no-q", func(t *testing.T) {
		srvIn, hold := hcPipe(t)
		srv, port := hcPyServer(t, srvIn, hcHoldOpen)
		cli := gcat(t, strings.NewReader("hello\n"), "127.0.0.1", port)
		if got := srv.nextStdoutLine(); got != "got b'hello\\n'" {
			t.Errorf("server: %s", got)
		}
		// The client's stdin has ended and the server has its EOF, but the
		// server has not ended: the client must still be waiting.
		time.Sleep(300 * time.Millisecond)
		if cli.exited() {
			t.Fatalf("client exited while the server held the connection open\nstderr: %s", cli.stderr.String())
		}
		hold.Close()
		cli.mustSucceed()
		srv.mustSucceed()
		if got := cli.stdout.String(); got != "" {
			t.Errorf("client's stdout: %q", got)
		}
	})
}

// TestConnectNoShutdown: the server answers only once it sees EOF. By
// default the client's stdin EOF reaches it, so the answer comes back; with
// --no-shutdown the server sees EOF only when the client, told to quit by
// -q, closes the connection, after it has stopped reading: no answer. The
// server must have received the data in both cases.
func TestConnectNoShutdown(t *testing.T) {
	const server = `
data = read_all(c)
try:
    c.sendall(b"saw EOF\n")
except OSError:
    pass
c.close()
print("got " + repr(data), flush=True)
`
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"default", nil, "saw EOF\n"},
		{"no-shutdown", []string{"--no-shutdown", "-q", "1s"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, port := hcPyServer(t, nil, server)
			cli := gcat(t, strings.NewReader("hello\n"), append(tc.args, "127.0.0.1", port)...)
			cli.mustSucceed()
			srv.mustSucceed()
			if got := cli.stdout.String(); got != tc.want {
				t.Errorf("client's stdout: %q, want %q", got, tc.want)
			}
			if got := scanLines(srv.stdout.Bytes())[1:]; len(got) != 1 || got[0] != "got b'hello\\n'" {
				t.Errorf("server: %q", got)
			}
		})
	}
}
