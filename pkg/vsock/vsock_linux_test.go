//go:build linux

package vsock

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// wait bounds every wait in these tests.
const wait = 10 * time.Second

// TestConstants: the CIDs and ports written out in vsock.go are the
// kernel's.
func TestConstants(t *testing.T) {
	for _, c := range []struct{ got, want uint32 }{
		{CIDHypervisor, unix.VMADDR_CID_HYPERVISOR}, {CIDLocal, unix.VMADDR_CID_LOCAL},
		{CIDHost, unix.VMADDR_CID_HOST}, {CIDAny, unix.VMADDR_CID_ANY}, {PortAny, unix.VMADDR_PORT_ANY},
	} {
		if c.got != c.want {
			t.Errorf("constant %d, want the kernel's %d", c.got, c.want)
		}
	}
}

// TestExplain: the errors that mean "no vsock here" say so in one line,
// the others name the operation and the errno, and errors.Is still sees
// the errno.
func TestExplain(t *testing.T) {
	for _, tt := range []struct {
		op   string
		cid  uint32
		err  error
		want string
	}{
		{"vsock connect to 3:5000", 3, unix.EAFNOSUPPORT, "vsock: this kernel has no AF_VSOCK support (address family not supported by protocol)"},
		{"vsock connect to 1:9", 1, unix.ENODEV, "vsock connect to 1:9: no vsock transport for CID 1 (no such device; is the vsock_loopback module loaded?)"},
		{"vsock connect to 2:9", 2, unix.ENODEV, "vsock connect to 2:9: no vsock transport for CID 2 (no such device; is this a virtual machine with a vsock device"},
		{"vsock listen on 1:9", 1, unix.EADDRNOTAVAIL, "vsock listen on 1:9: CID 1 is not a CID of this machine (cannot assign requested address; is the vsock_loopback module loaded?)"},
		{"vsock listen on 7:9", 7, unix.EADDRNOTAVAIL, "vsock listen on 7:9: CID 7 is not a CID of this machine (cannot assign requested address; "},
		{"vsock connect to 3:5000", 3, unix.ECONNRESET, "vsock connect to 3:5000: connection reset by peer"},
		{"vsock connect to 3:5000", 3, unix.ETIMEDOUT, "vsock connect to 3:5000: connection timed out"},
		{"vsock listen on any:80", CIDAny, unix.EADDRINUSE, "vsock listen on any:80: address already in use"},
	} {
		err := explain(tt.op, tt.cid, tt.err)
		if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("explain(%v) = %q, want %q", tt.err, err, tt.want)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("explain(%v) does not match it with errors.Is", tt.err)
		}
	}
	err := explain("vsock connect to 3:9", 3, context.DeadlineExceeded)
	var ne net.Error
	if err.Error() != "vsock connect to 3:9: timed out" || !errors.Is(err, context.DeadlineExceeded) ||
		!errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("timeout: %q", err)
	}
	if err := explain("vsock connect to 3:9", 3, context.Canceled); err.Error() != "vsock connect to 3:9: context canceled" || !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %q", err)
	}
}

// TestDialNoTransport dials a CID that cannot be reached from here without
// sending anything off the machine, and wants the clear reason at once:
// CID 1 without vsock_loopback (gcat checks before the kernel would send
// the request to the hypervisor), and this machine's own CID, which the
// virtio transport refuses locally. Without AF_VSOCK it wants that reason.
func TestDialNoTransport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if avail := Available(); avail != nil {
		_, err := Dial(ctx, CIDLocal, 9)
		if err == nil || err.Error() != avail.Error() {
			t.Fatalf("without vsock: Dial = %v, want %v", err, avail)
		}
		return
	}
	if Loopback() == nil {
		// CID 1 reaches this machine: a port without a listener resets.
		ln, err := Listen(CIDLocal, PortAny)
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*Addr).Port
		ln.Close()
		_, err = Dial(ctx, CIDLocal, port)
		if !errors.Is(err, unix.ECONNRESET) || !strings.HasSuffix(err.Error(), ": connection reset by peer") {
			t.Fatalf("Dial to a closed port = %v", err)
		}
		return
	}
	_, err := Dial(ctx, CIDLocal, 9)
	want := "vsock connect to 1:9: no vsock transport for CID 1 (no such device; is the vsock_loopback module loaded?)"
	if err == nil || err.Error() != want || !errors.Is(err, unix.ENODEV) || ctx.Err() != nil {
		t.Fatalf("Dial CID 1 = %v, want %q", err, want)
	}
	local, err := LocalCID()
	if err != nil {
		t.Skipf("cannot dial this machine's own CID: %v", err)
	}
	_, err = Dial(ctx, local, 9)
	if err == nil || !errors.Is(err, unix.ENODEV) || !strings.Contains(err.Error(), "no vsock transport for CID") || ctx.Err() != nil {
		t.Fatalf("Dial own CID %d = %v", local, err)
	}
	t.Logf("%v", err)
}

// TestDialDone: a context already done stops Dial before any socket.
func TestDialDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Dial(ctx, 3, 9); !errors.Is(err, context.Canceled) || err.Error() != "vsock connect to 3:9: context canceled" {
		t.Errorf("cancelled: %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := Dial(ctx, 3, 9); !errors.Is(err, context.DeadlineExceeded) || err.Error() != "vsock connect to 3:9: timed out" {
		t.Errorf("past deadline: %v", err)
	}
}

// pendingConnect gives a TCP socket and an address on 127.0.0.1 whose
// connect hangs, because the listener's accept queue is full and the
// kernel drops further SYNs. It tests connect, Dial's wait, on a socket
// whose connect hangs, which vsock here cannot give without the
// hypervisor.
func pendingConnect(t *testing.T) (int, unix.Sockaddr) {
	t.Helper()
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(lfd) })
	if err := unix.Bind(lfd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(lfd)
	if err != nil {
		t.Fatal(err)
	}
	for range 16 { // fill the accept queue
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		f, err := connect(ctx, fd, sa)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			return fd, sa
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
	}
	t.Skip("the kernel accepted every connection: no way to make a connect hang here")
	return -1, nil
}

// TestConnectCancel: cancelling the context ends a connect that hangs.
func TestConnectCancel(t *testing.T) {
	fd, sa := pendingConnect(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		f, err := connect(ctx, fd, sa)
		if f != nil {
			f.Close()
		}
		done <- err
	}()
	cancel() // before or during the wait: either way connect must stop
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("connect = %v, want context.Canceled", err)
		}
	case <-time.After(wait):
		t.Fatal("cancel did not stop the connect")
	}
}

// TestConnectDeadline: the context's deadline ends a connect that hangs.
func TestConnectDeadline(t *testing.T) {
	fd, sa := pendingConnect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	f, err := connect(ctx, fd, sa)
	if f != nil {
		f.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > wait {
		t.Fatalf("connect = %v after %v", err, time.Since(start))
	}
}

// socketpair gives two Conns on a Unix stream socketpair: the vsock Conn's
// wrapping (deadlines, half-close, errors) on a socket that exists
// everywhere.
func socketpair(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newConn(fds[0], &Addr{CID: 1, Port: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := newConn(fds[1], &Addr{CID: 1, Port: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// halfClose: the client sends and shuts its write side down, the server
// reads to EOF and replies, and the client reads the reply to EOF.
func halfClose(t *testing.T, client, server *Conn) {
	t.Helper()
	for _, c := range []*Conn{client, server} {
		if err := c.SetDeadline(time.Now().Add(wait)); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		b, err := io.ReadAll(server)
		if err == nil {
			_, err = server.Write([]byte("got " + string(b)))
		}
		if err == nil {
			err = server.CloseWrite()
		}
		done <- err
	}()
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := client.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(client)
	if err := <-done; err != nil {
		t.Fatalf("server: %v", err)
	}
	if err != nil || string(got) != "got hello" {
		t.Fatalf("reply %q, %v", got, err)
	}
}

// readDeadline: a deadline set while a Read waits ends it, as a timeout.
func readDeadline(t *testing.T, c *Conn) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	if err := c.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(wait):
		c.Close() // unblock the Read so the goroutine ends
		<-done
		t.Fatal("the deadline did not end Read")
	}
	var oe *net.OpError
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &oe) || !oe.Timeout() || oe.Op != "read" || oe.Net != "vsock" {
		t.Fatalf("Read = %#v", err)
	}
	// The connection still works once the deadline is lifted.
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func TestConnHalfClose(t *testing.T) {
	a, b := socketpair(t)
	halfClose(t, a, b)
}

func TestConnReadDeadline(t *testing.T) {
	a, _ := socketpair(t)
	readDeadline(t, a)
}

// TestConnErrors: the errors are package net's: net.ErrClosed after Close
// (also for a Read that was waiting), EPIPE in an *os.SyscallError after
// the peer is gone.
func TestConnErrors(t *testing.T) {
	a, b := socketpair(t)
	if a.LocalAddr().String() != "0:0" || a.RemoteAddr().String() != "1:2" {
		t.Errorf("addrs %v %v", a.LocalAddr(), a.RemoteAddr())
	}
	done := make(chan error, 1)
	go func() {
		_, err := a.Read(make([]byte, 1))
		done <- err
	}()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read during Close = %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Close did not end Read")
	}
	for name, err := range map[string]error{
		"Close":       a.Close(),
		"CloseWrite":  a.CloseWrite(),
		"SetDeadline": a.SetDeadline(time.Now()),
	} {
		var oe *net.OpError
		if !errors.Is(err, net.ErrClosed) || !errors.As(err, &oe) {
			t.Errorf("%s after Close = %v", name, err)
		}
	}
	if err := b.SetWriteDeadline(time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	_, err := b.Write([]byte("x"))
	var se *os.SyscallError
	if !errors.Is(err, syscall.EPIPE) || !errors.As(err, &se) || err.Error() != "write vsock 0:0->1:1: write: broken pipe" {
		t.Errorf("Write to a closed peer = %v", err)
	}
	if n, err := b.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read from a closed peer = %d, %v", n, err)
	}
}

// listener listens on every CID, port chosen by the kernel, or skips.
func listener(t *testing.T) *Listener {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err)
	}
	ln, err := Listen(CIDAny, PortAny)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestListenPortAny(t *testing.T) {
	ln := listener(t)
	a, ok := ln.Addr().(*Addr)
	if !ok || a.CID != CIDAny || a.Port == PortAny || ln.Addr().Network() != "vsock" {
		t.Fatalf("Addr = %#v", ln.Addr())
	}
	// The port is taken now.
	if _, err := Listen(CIDAny, a.Port); !errors.Is(err, unix.EADDRINUSE) || !strings.HasPrefix(err.Error(), "vsock listen on any:") {
		t.Errorf("second Listen on %d = %v", a.Port, err)
	}
}

// TestListenForeignCID: a CID that is not this machine's says so.
func TestListenForeignCID(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	_, err := Listen(4294967294, PortAny)
	if !errors.Is(err, unix.EADDRNOTAVAIL) || !strings.HasPrefix(err.Error(), "vsock listen on 4294967294:any: CID 4294967294 is not a CID of this machine (cannot assign requested address; ") {
		t.Fatalf("Listen = %v", err)
	}
	t.Log(err)
}

// TestCloseUnblocksAccept: Close ends a waiting Accept with net.ErrClosed.
func TestCloseUnblocksAccept(t *testing.T) {
	ln := listener(t)
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept = %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Accept still waiting after Close")
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v", err)
	}
}

func TestAcceptDeadline(t *testing.T) {
	ln := listener(t)
	if err := ln.SetDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := ln.Accept()
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Accept = %v", err)
	}
}

// loopback gives a listener on every CID and a client connected to it
// through CID 1, or skips saying why this machine cannot.
func loopback(t *testing.T) (client, server *Conn) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err)
	}
	if err := Loopback(); err != nil {
		t.Skipf("%v: a connect to CID 1 would go to the hypervisor, so no vsock connection can be made on this machine alone", err)
	}
	ln := listener(t)
	accepted := make(chan *Conn, 1)
	go func() {
		c, _ := ln.AcceptVsock()
		accepted <- c
	}()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	port := ln.Addr().(*Addr).Port
	client, err := Dial(ctx, CIDLocal, port)
	if err != nil {
		ln.Close()
		<-accepted
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	select {
	case server = <-accepted:
	case <-time.After(wait):
		ln.Close()
		<-accepted
		t.Fatal("Accept did not return")
	}
	if server == nil {
		t.Fatal("Accept failed")
	}
	t.Cleanup(func() { server.Close() })
	if r := client.RemoteAddr().(*Addr); r.Port != port || client.LocalAddr().(*Addr).Port != server.RemoteAddr().(*Addr).Port {
		t.Errorf("addrs: client %v->%v, server %v->%v", client.LocalAddr(), client.RemoteAddr(), server.LocalAddr(), server.RemoteAddr())
	}
	return client, server
}

func TestLoopbackHalfClose(t *testing.T) {
	client, server := loopback(t)
	halfClose(t, client, server)
}

func TestLoopbackReadDeadline(t *testing.T) {
	client, _ := loopback(t)
	readDeadline(t, client)
}

// TestNoFDLeak: what succeeds and what fails leaves no descriptor open.
func TestNoFDLeak(t *testing.T) {
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip(err)
		}
		return len(ents)
	}
	run := func() {
		Available()
		Loopback()
		LocalCID()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if c, err := Dial(ctx, CIDLocal, 9); err == nil {
			c.Close()
		}
		if ln, err := Listen(CIDAny, PortAny); err == nil {
			ln.SetDeadline(time.Now())
			ln.Accept()
			ln.Close()
		}
		Listen(4294967294, PortAny)
		if fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0); err == nil {
			for _, fd := range fds {
				if c, err := newConn(fd, nil); err == nil {
					c.CloseWrite()
					c.Close()
				}
			}
		}
	}
	run() // start the runtime poller and anything else opened once
	before := count()
	for range 20 {
		run()
	}
	if after := count(); after != before {
		t.Fatalf("%d descriptors open before, %d after", before, after)
	}
}

// TestConnectTimeoutOption: Dial raises the kernel's vsock connect timeout
// to a second past ctx's deadline.
func TestConnectTimeoutOption(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	fd, err := socket()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	setConnectTimeout(fd, 5*time.Second)
	var tv unix.Timeval
	l := uint32(unsafe.Sizeof(tv))
	if _, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.AF_VSOCK, unix.SO_VM_SOCKETS_CONNECT_TIMEOUT,
		uintptr(unsafe.Pointer(&tv)), uintptr(unsafe.Pointer(&l)), 0); e != 0 {
		t.Skipf("getsockopt SO_VM_SOCKETS_CONNECT_TIMEOUT: %v", e)
	}
	if tv.Sec != 6 || tv.Usec != 0 {
		t.Fatalf("connect timeout %d.%06d s, want 6", tv.Sec, tv.Usec)
	}
}
