package listen

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestDefaultBindsBothFamiliesOnOnePort(t *testing.T) {
	l, err := Listen(context.Background(), Options{Port: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addrs := l.Addrs()
	if len(addrs) == 1 {
		t.Skip("no IPv6 on this machine: only the IPv4 socket was opened")
	}
	p6, p4 := addrs[0].(*net.TCPAddr), addrs[1].(*net.TCPAddr)
	if p6.IP.String() != "::" || p4.IP.String() != "0.0.0.0" || p6.Port != p4.Port {
		t.Fatalf("addrs = %v, want [::]:P and 0.0.0.0:P", addrs)
	}
	for _, target := range []string{"127.0.0.1", "::1"} {
		c, err := net.Dial("tcp", net.JoinHostPort(target, strconv.Itoa(p4.Port)))
		if err != nil {
			t.Fatalf("dial %s: %v", target, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := l.Accept(ctx)
		cancel()
		if err != nil {
			t.Fatalf("accept from %s: %v", target, err)
		}
		s.Close()
		c.Close()
	}
}

func TestUnixSocketRemovedOnClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	l, err := Listen(context.Background(), Options{Unix: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("socket file missing: %v", err)
	}
	l.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file still there after Close: %v", err)
	}
}

func TestAddressInUse(t *testing.T) {
	l, err := Listen(context.Background(), Options{Host: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addrs()[0].(*net.TCPAddr).Port
	_, err = Listen(context.Background(), Options{Host: "127.0.0.1", Port: port})
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second listen: %v, want address in use", err)
	}
	want := "listen on 127.0.0.1:" + strconv.Itoa(port) + ": address already in use"
	if err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestAcceptAfterClose(t *testing.T) {
	l, err := Listen(context.Background(), Options{Host: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := l.Accept(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
}
