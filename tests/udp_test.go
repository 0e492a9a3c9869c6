//go:build linux

package tests

// UDP and Unix datagram sockets (-u): clients, -l, -lk with and without -e.

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
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
	// The child's echo and its cat's copy of "x" may leave the pipe in one
	// read, so one datagram: only the start is fixed.
	buf := make([]byte, 100)
	n, from, err := c.ReadFromUDP(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "UDP 127.0.0.2\n") || !from.IP.Equal(to.IP) {
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
