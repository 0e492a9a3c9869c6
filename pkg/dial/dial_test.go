package dial

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/neterr"
)

func TestRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	_, err := Dial(context.Background(), Options{Host: "127.0.0.1", Port: port})
	want := "connect to 127.0.0.1:" + strconv.Itoa(port) + ": connection refused"
	if !errors.Is(err, syscall.ECONNREFUSED) || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestSourcePort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	src := free.Addr().(*net.TCPAddr).Port
	free.Close()
	c, err := Dial(context.Background(), Options{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Source: "127.0.0.1", SourcePort: src})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.LocalAddr().(*net.TCPAddr).Port; got != src {
		t.Fatalf("local port %d, want %d", got, src)
	}
}

func TestResolve(t *testing.T) {
	if _, err := Resolve(context.Background(), "localhost", 0, true); !errors.Is(err, ErrNoDNS) {
		t.Errorf("-n with a name: %v", err)
	}
	if ips, err := Resolve(context.Background(), "::1", 0, true); err != nil || len(ips) != 1 {
		t.Errorf("-n with ::1: %v %v", ips, err)
	}
	if _, err := Resolve(context.Background(), "127.0.0.1", 6, false); err == nil {
		t.Error("-6 with an IPv4 address: no error")
	}
	if _, err := Resolve(context.Background(), "no-such-host.invalid", 0, false); err == nil {
		t.Error("no-such-host.invalid resolved")
	}
}

func TestUnix(t *testing.T) {
	_, err := Dial(context.Background(), Options{Unix: t.TempDir() + "/none"})
	if !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("err = %v", err)
	}
}

// TestErrors: failures are *neterr.Error naming the operation and the
// address, with the errno as their cause.
func TestErrors(t *testing.T) {
	_, err := Dial(context.Background(), Options{Host: "127.0.0.1", Port: 1})
	var ne *neterr.Error
	if !errors.As(err, &ne) || ne.Op != neterr.OpConnect || ne.Addr != "127.0.0.1:1" || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %#v", err)
	}
	if err.Error() != "connect to 127.0.0.1:1: connection refused" {
		t.Errorf("err = %q", err)
	}
	_, err = Dial(context.Background(), Options{Host: "127.0.0.1", Port: 1, Source: "192.0.2.1"})
	if !errors.As(err, &ne) || ne.Op != "bind to" || !errors.Is(err, syscall.EADDRNOTAVAIL) || !strings.HasPrefix(err.Error(), "bind to 192.0.2.1:0: ") {
		t.Errorf("a source address not of this machine: %v", err)
	}
	_, err = Resolve(context.Background(), "no-such-host.invalid", 0, false)
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound || err.Error() != "cannot resolve no-such-host.invalid: no such host" {
		t.Errorf("Resolve = %v", err)
	}
}

// TestTimeout: -w bounds the connect. A loopback listener with a backlog of
// 0 that never accepts drops further SYNs once its queue is full, so a
// connect to it hangs until the timeout.
func TestTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	port := sa.(*syscall.SockaddrInet4).Port
	o := Options{Host: "127.0.0.1", Port: port, Timeout: 300 * time.Millisecond}
	for i := 0; i < 16; i++ { // fill the accept queue
		c, err := Dial(context.Background(), o)
		if err != nil {
			want := "connect to 127.0.0.1:" + strconv.Itoa(port) + ": timed out after 300ms"
			if err.Error() != want {
				t.Fatalf("err = %q, want %q", err, want)
			}
			return
		}
		defer c.Close()
	}
	t.Skip("the kernel accepted every connection: no way to make a connect hang here")
}
