//go:build unix

package activation

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Tests with the tests' own launcher: the sockets are opened here and
// passed with exec.Cmd.ExtraFiles, as upstart's socket bridge and systemd
// pass them, and the cases no real launcher produces are made by hand.

func listenTCP(t *testing.T, network, addr string) *net.TCPListener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.(*net.TCPListener)
}

func TestUpstartSocketBridge(t *testing.T) {
	ln := listenTCP(t, "tcp4", "127.0.0.1:0")
	p := launch(t, "listen", how{env: []string{"UPSTART_FDS=3", "UPSTART_EVENTS=socket"},
		files: []*os.File{fileOf(t, ln)}})
	got := dialReport(t, "tcp", ln.Addr().String())
	wantReport(t, got, map[string]string{"fd": "3", "name": "", "network": "tcp4",
		"addr": ln.Addr().String(), "env": "", "leaks": ""})
	if code, stderr := p.wait(t); code != 0 {
		t.Fatalf("helper exit %d: %s", code, stderr)
	}
}

// Three sockets of three kinds, named; each is served, in descriptor order.
func TestSeveralSockets(t *testing.T) {
	v4 := listenTCP(t, "tcp4", "127.0.0.1:0")
	v6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer v6.Close()
	path := filepath.Join(t.TempDir(), "s.sock")
	un, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer un.Close()
	files := []*os.File{fileOf(t, v4), fileOf(t, v6.(*net.TCPListener)), fileOf(t, un.(*net.UnixListener))}
	p := launch(t, "listen", how{env: []string{"LISTEN_FDS=3", "LISTEN_FDNAMES=v4:v6:local"}, setPID: true, files: files})
	for _, want := range []struct{ fd, name, network, client, addr string }{
		{"3", "v4", "tcp4", "tcp", v4.Addr().String()},
		{"4", "v6", "tcp6", "tcp", v6.Addr().String()},
		{"5", "local", "unix", "unix", path},
	} {
		got := dialReport(t, want.client, want.addr)
		wantReport(t, got, map[string]string{"fd": want.fd, "name": want.name, "network": want.network,
			"addr": want.addr, "env": "", "leaks": ""})
	}
	if code, stderr := p.wait(t); code != 0 {
		t.Fatalf("helper exit %d: %s", code, stderr)
	}
}

// Variables meant for another process (LISTEN_PID not ours) are ignored,
// as sd_listen_fds ignores them, and removed all the same.
func TestWrongListenPIDIgnored(t *testing.T) {
	ln := listenTCP(t, "tcp4", "127.0.0.1:0")
	p := launch(t, "listen", how{env: []string{"LISTEN_PID=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=web"},
		files: []*os.File{fileOf(t, ln)}})
	code, stderr := p.wait(t)
	if code != 0 || strings.TrimSpace(stderr) != "none env=" {
		t.Fatalf("helper exit %d, stderr %q; want 0, %q", code, stderr, "none env=")
	}
}

func TestBadHandoversRefused(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	listener := func() *os.File { return fileOf(t, listenTCP(t, "tcp4", "127.0.0.1:0")) }
	tests := []struct {
		name   string
		mode   string
		env    []string
		files  func() []*os.File
		reason string
		text   string
	}{
		{"not a socket", "listen", []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=data"},
			func() []*os.File { return []*os.File{file} },
			"ErrNotSocket fd=3 name=data", `fd 3 "data" (a regular file): not a socket`},
		{"a connected socket", "listen", []string{"LISTEN_FDS=1"},
			func() []*os.File { _, s := tcpPair(t); return []*os.File{fileOf(t, s)} },
			"ErrConnected fd=3 name=", "a connected socket, not a listening one"},
		{"the second of two", "listen", []string{"LISTEN_FDS=2"},
			func() []*os.File { return []*os.File{listener(), file} },
			"ErrNotSocket fd=4 name=", "fd 4 (a regular file): not a socket"},
		{"UDP without datagram mode", "listen", []string{"LISTEN_FDS=1"},
			func() []*os.File {
				pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { pc.Close() })
				return []*os.File{fileOf(t, pc.(*net.UDPConn))}
			},
			"ErrDatagram fd=3 name=", "a datagram socket, not a stream one"},
		{"TCP in datagram mode", "listen-dgram", []string{"LISTEN_FDS=1"},
			func() []*os.File { return []*os.File{listener()} },
			"ErrStream fd=3 name=", "a stream socket, not a datagram one"},
		{"a malformed count", "listen", []string{"LISTEN_FDS=one"},
			func() []*os.File { return []*os.File{listener()} },
			"EnvError LISTEN_FDS", `socket activation: LISTEN_FDS="one": not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, tt.mode, how{env: tt.env, setPID: true, files: dupAll(t, tt.files())})
			code, stderr := p.wait(t)
			wantRefusal(t, code, stderr, tt.reason)
			if !strings.Contains(stderr, tt.text) {
				t.Fatalf("stderr %q does not say %q", stderr, tt.text)
			}
		})
	}
}

// dupAll gives launch copies it may close, leaving the test's own open.
func dupAll(t *testing.T, files []*os.File) []*os.File {
	t.Helper()
	var dups []*os.File
	for _, f := range files {
		fd, err := unix.Dup(int(f.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		dups = append(dups, os.NewFile(uintptr(fd), f.Name()))
	}
	return dups
}

func TestInetdFileOnStdinRefused(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	p := launch(t, "inetd", how{stdin: file})
	code, stderr := p.wait(t)
	wantRefusal(t, code, stderr, "ErrNotSocket fd=0 name=")
	if !strings.Contains(stderr, "error=inetd mode: fd 0 (a regular file): not a socket") {
		t.Fatalf("stderr does not explain: %q", stderr)
	}
}

// socketFile returns the server end of a loopback TCP connection as a file
// to hand over, and the client end.
func socketFile(t *testing.T) (*os.File, *net.TCPConn) {
	t.Helper()
	c, s := tcpPair(t)
	f := fileOf(t, s)
	s.Close()
	return f, c
}

// xinetd and inetd put the connection on descriptors 0, 1 and 2: the
// half-close matrix works, and nothing the helper writes to stdout or
// stderr reaches the peer.
func TestInetdConnectionOnAllThreeStdio(t *testing.T) {
	f, c := socketFile(t)
	p := launch(t, "inetd", how{stdio: f})
	got := halfCloseMatrix(t, c)
	wantReport(t, got, map[string]string{"network": "tcp4", "local": c.RemoteAddr().String(),
		"remote": c.LocalAddr().String(), "stdout-was-conn": "true", "stderr-was-conn": "true",
		"fd0": "null", "fd1": "null", "leaks": ""})
	if code, stderr := p.wait(t); code != 0 {
		t.Fatalf("helper exit %d: %s", code, stderr)
	}
}

// Closing the Conn ends the connection at once, although fds 0 to 2 held
// it: the peer reads EOF while the helper still runs (it waits for the
// release pipe, closed only after that EOF).
func TestInetdCloseEndsTheConnection(t *testing.T) {
	f, c := socketFile(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	p := launch(t, "inetd-close", how{stdio: f, files: []*os.File{r}})
	got := parseReport(readAll(t, c))
	wantReport(t, got, map[string]string{"stdout-was-conn": "true", "stderr-was-conn": "true"})
	w.Close()
	if code, stderr := p.wait(t); code != 0 {
		t.Fatalf("helper exit %d: %s", code, stderr)
	}
}

// A descriptor 1 that is another socket (systemd's StandardOutput=journal)
// is left alone.
func TestInetdLeavesOtherStdoutAlone(t *testing.T) {
	f, c := socketFile(t)
	p := launch(t, "inetd", how{stdin: f})
	got := halfCloseMatrix(t, c)
	wantReport(t, got, map[string]string{"stdout-was-conn": "false", "stderr-was-conn": "false",
		"fd0": "null", "fd1": "other"})
	if code, stderr := p.wait(t); code != 0 || p.stdout.String() != "LEAK on stdout\nLEAK on stdout\n" {
		t.Fatalf("helper exit %d (stderr %q), stdout %q; want 0 and its two lines", code, stderr, &p.stdout)
	}
}
