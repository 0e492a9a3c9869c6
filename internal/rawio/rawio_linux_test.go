package rawio

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testnet"
)

// pair returns a wrapped socket of network and its plain peer.
func pair(t *testing.T, network, addr string) (*Conn, net.Conn) {
	t.Helper()
	d, peer := testnet.Pair(t, network, addr)
	w, ok := Wrap(d).(*Conn)
	if !ok {
		t.Fatalf("%s socket not wrapped", network)
	}
	return w, peer
}

// TestConnRelaysBothWays: a wrapped TCP or Unix socket carries a stream
// larger than the socket buffers each way at once, and its end: the
// peer's shutdown is Read's io.EOF, CloseWrite is the peer's EOF while the
// other direction still flows.
func TestConnRelaysBothWays(t *testing.T) {
	for _, tc := range []struct{ network, addr string }{
		{"tcp", "127.0.0.1:0"},
		{"unix", filepath.Join(t.TempDir(), "s")},
	} {
		t.Run(tc.network, func(t *testing.T) {
			c, peer := pair(t, tc.network, tc.addr)
			up, down := make([]byte, 4<<20), make([]byte, 4<<20)
			rand.Read(up)
			rand.Read(down)
			done := make(chan error, 1)
			go func() {
				_, err := c.Write(up)
				if err == nil {
					err = c.CloseWrite()
				}
				done <- err
			}()
			go func() {
				peer.Write(down)
				peer.(interface{ CloseWrite() error }).CloseWrite()
			}()
			gotUp, err := io.ReadAll(peer)
			if err != nil || !bytes.Equal(gotUp, up) {
				t.Fatalf("peer read %d bytes, %v", len(gotUp), err)
			}
			gotDown, err := io.ReadAll(c) // stops at io.EOF
			if err != nil || !bytes.Equal(gotDown, down) {
				t.Fatalf("read %d bytes, %v", len(gotDown), err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Fatalf("read after EOF: %d, %v", n, err)
			}
		})
	}
}

// TestConnErrorsAreNetErrors: a deadline, a reset and a closed socket fail
// as net.Conn's own reads and writes do — an *net.OpError naming the
// operation, around the cause that errors.Is finds.
func TestConnErrorsAreNetErrors(t *testing.T) {
	c, peer := pair(t, "tcp", "127.0.0.1:0")
	c.SetReadDeadline(time.Now().Add(-time.Second))
	_, err := c.Read(make([]byte, 8))
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" || !errors.Is(err, os.ErrDeadlineExceeded) || !oe.Timeout() {
		t.Fatalf("read past the deadline: %#v", err)
	}
	c.SetReadDeadline(time.Time{})

	peer.(*net.TCPConn).SetLinger(0)
	peer.Close() // RST
	_, err = c.Read(make([]byte, 8))
	if !errors.As(err, &oe) || oe.Op != "read" || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read of a reset connection: %#v", err)
	}

	c.Close()
	_, err = c.Write([]byte("x"))
	if !errors.As(err, &oe) || oe.Op != "write" || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %#v", err)
	}
}

// TestWrapLeavesOthers: what is not a stream socket is returned as it is,
// and a wrapped socket gives itself back through NetConn.
func TestWrapLeavesOthers(t *testing.T) {
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if Wrap(u) != net.Conn(u) {
		t.Fatal("a UDP socket was wrapped")
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if Wrap(a) != a {
		t.Fatal("net.Pipe was wrapped")
	}
	c, _ := pair(t, "tcp", "127.0.0.1:0")
	if _, ok := c.NetConn().(*net.TCPConn); !ok {
		t.Fatalf("NetConn = %T", c.NetConn())
	}
}
