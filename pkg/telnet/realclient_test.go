//go:build unix

package telnet

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

const bound = 30 * time.Second

// recorder keeps what passes through it and tells of each change.
type recorder struct {
	mu   sync.Mutex
	b    bytes.Buffer
	tick chan struct{}
}

func newRecorder() *recorder { return &recorder{tick: make(chan struct{}, 1)} }

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.b.Write(p)
	r.mu.Unlock()
	select {
	case r.tick <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.b.String()
}

// waitFor waits until what was recorded contains each of want.
func (r *recorder) waitFor(t *testing.T, what string, want ...string) string {
	t.Helper()
	deadline := time.After(bound)
	for {
		s := r.String()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		select {
		case <-r.tick:
		case <-deadline:
			t.Fatalf("%s: no %q in %q", what, want, s)
		}
	}
}

// TestRealTelnetClient: inetutils telnet, on a terminal, reports its
// window size to a server filter and follows resizes; with the terminal
// options it sends keys as typed and leaves the echo to the server.
func TestRealTelnetClient(t *testing.T) {
	if _, err := exec.LookPath("telnet"); err != nil {
		t.Fatalf("telnet is needed for this test: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command("telnet", "127.0.0.1", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	cmd.Env = append(os.Environ(), "TERM=xterm")
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 33, Cols: 101})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	screen := newRecorder()
	go io.Copy(screen, term)

	ln.(*net.TCPListener).SetDeadline(time.Now().Add(bound))
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sizes := make(chan [2]uint16, 10)
	raw, data := newRecorder(), newRecorder()
	f := New(io.TeeReader(conn, raw), conn, Config{
		OnWindowSize: func(w, h uint16) { sizes <- [2]uint16{w, h} },
		Terminal:     true,
	})
	if err := f.Offer(); err != nil {
		t.Fatal(err)
	}
	go io.Copy(data, f)

	wantSize := func(w, h uint16) {
		t.Helper()
		select {
		case s := <-sizes:
			if s != [2]uint16{w, h} {
				t.Fatalf("telnet reported %dx%d; want %dx%d", s[0], s[1], w, h)
			}
		case <-time.After(bound):
			t.Fatalf("telnet reported no size; screen %q", screen.String())
		}
	}
	wantSize(101, 33)
	if err := pty.Setsize(term, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	wantSize(120, 40)

	// telnet has taken the server's echo and character mode (DO ECHO,
	// DO SGA): it sends keys as typed and does not echo them.
	raw.waitFor(t, "telnet's answers", "\xff\xfd\x01", "\xff\xfd\x03")
	term.Write([]byte("hello\r"))
	if got := data.waitFor(t, "data", "\r"); got != "hello\r" {
		t.Errorf("server read %q; want %q", got, "hello\r")
	}
	conn.Write([]byte("HELLO\r\n"))
	if s := screen.waitFor(t, "screen", "HELLO"); strings.Contains(s, "hello") {
		t.Errorf("telnet echoed locally: %q", s)
	}
	conn.Close()
	screen.waitFor(t, "screen", "Connection closed")
}
