package vsock

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseCID(t *testing.T) {
	for in, want := range map[string]uint32{"2": 2, "3": 3, "0x10": 16, "any": CIDAny, "-1": CIDAny, "4294967295": CIDAny} {
		if got, err := ParseCID(in); err != nil || got != want {
			t.Errorf("ParseCID(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-2", "4294967296", "1.5"} {
		if _, err := ParseCID(in); err == nil || !strings.Contains(err.Error(), "invalid vsock CID") {
			t.Errorf("ParseCID(%q): %v", in, err)
		}
	}
	if s := (&Addr{3, 5000}).String(); s != "3:5000" {
		t.Fatalf("Addr.String = %q", s)
	}
}

// TestExplain: the errors that mean "no vsock here" say so in one line.
func TestExplain(t *testing.T) {
	if err := explain("vsock", unix.EAFNOSUPPORT); !strings.Contains(err.Error(), "no AF_VSOCK support") {
		t.Fatal(err)
	}
	if err := explain("vsock connect to 1:9", unix.ENODEV); !strings.Contains(err.Error(), "no vsock transport") {
		t.Fatal(err)
	}
}

// loopback listens on the local CID, or skips saying why it cannot.
func loopback(t *testing.T) *Listener {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err)
	}
	ln, err := Listen(CIDAny, unix.VMADDR_PORT_ANY)
	if err != nil {
		t.Skipf("cannot listen on vsock here: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, unix.VMADDR_CID_LOCAL, ln.Addr().(*Addr).Port)
	if err != nil {
		t.Skipf("no vsock loopback here: %v", err)
	}
	c.Close()
	if a, err := ln.Accept(); err == nil {
		a.Close()
	}
	return ln
}

// TestHalfClose: the client's EOF reaches the server, whose reply still
// flows back.
func TestHalfClose(t *testing.T) {
	ln := loopback(t)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		c.Write([]byte("got " + string(b)))
		c.(*Conn).CloseWrite()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, unix.VMADDR_CID_LOCAL, ln.Addr().(*Addr).Port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("hello"))
	c.CloseWrite()
	if got, err := io.ReadAll(c); err != nil || string(got) != "got hello" {
		t.Fatalf("reply %q, %v", got, err)
	}
}

// TestCloseUnblocksAccept: Close ends a pending Accept with net.ErrClosed.
func TestCloseUnblocksAccept(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	ln, err := Listen(CIDAny, unix.VMADDR_PORT_ANY)
	if err != nil {
		t.Skipf("cannot listen on vsock here: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		errc <- err
	}()
	ln.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still blocked")
	}
}
