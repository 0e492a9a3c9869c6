package dtls_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/dtls"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

func TestExchange(t *testing.T) {
	client, srv := pair(t)
	write(t, client, "hello")
	if got := readMsg(t, srv); got != "hello" {
		t.Fatalf("server read %q", got)
	}
	write(t, srv, "world")
	if got := readMsg(t, client); got != "world" {
		t.Fatalf("client read %q", got)
	}
	// gcat's -e children learn the addresses from these.
	for _, a := range []net.Addr{client.LocalAddr(), client.RemoteAddr(), srv.LocalAddr(), srv.RemoteAddr()} {
		if _, ok := a.(*net.UDPAddr); !ok {
			t.Errorf("address %v is a %T, want *net.UDPAddr", a, a)
		}
	}
	if client.LocalAddr().String() != srv.RemoteAddr().String() || srv.LocalAddr().String() != client.RemoteAddr().String() {
		t.Errorf("client %v -> %v, server %v <- %v", client.LocalAddr(), client.RemoteAddr(), srv.LocalAddr(), srv.RemoteAddr())
	}
}

// TestManyDatagrams sends numbered datagrams each way and checks that each
// Read returns one of them, in order. The receiver acknowledges each window
// so that the sender cannot overrun the sockets' buffers, which would drop
// datagrams (as UDP may).
func TestManyDatagrams(t *testing.T) {
	client, srv := pair(t)
	t.Run("client to server", func(t *testing.T) { sequence(t, client, srv) })
	t.Run("server to client", func(t *testing.T) { sequence(t, srv, client) })
}

func sequence(t *testing.T, from, to net.Conn) {
	const total, window = 1000, 50
	for i := 0; i < total; i += window {
		for j := i; j < i+window; j++ {
			write(t, from, fmt.Sprintf("datagram %d", j))
		}
		for j := i; j < i+window; j++ {
			if got, want := readMsg(t, to), fmt.Sprintf("datagram %d", j); got != want {
				t.Fatalf("read %q, want %q", got, want)
			}
		}
		write(t, to, "ack")
		if got := readMsg(t, from); got != "ack" {
			t.Fatalf("read %q, want ack", got)
		}
	}
}

// TestLargeWrite checks that a 64 KiB write is split into records of
// MaxRecord bytes, and that a Read buffer shorter than a record loses none
// of it.
func TestLargeWrite(t *testing.T) {
	t.Run("aes-gcm", func(t *testing.T) { largeWrite(t, nil) })
	// CBC's IV, MAC and padding make the longest records.
	t.Run("aes-cbc", func(t *testing.T) { largeWrite(t, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}) })
}

func largeWrite(t *testing.T, suites []uint16) {
	sconf := serverConf(t, tlsconf.Options{})
	sconf.CipherSuites = suites
	s := listen(t, sconf, 0)
	cconf := clientConf(t, tlsconf.Options{}, "127.0.0.1")
	cconf.CipherSuites = suites
	client := mustDial(t, s.addr, cconf)
	srv := s.accept(t)
	if suites != nil && client.ConnectionState().CipherSuite != suites[0] {
		t.Fatalf("cipher suite %s", tls.CipherSuiteName(client.ConnectionState().CipherSuite))
	}
	data := make([]byte, 64<<10)
	rand.Read(data)
	for _, dir := range []struct {
		name     string
		from, to net.Conn
	}{{"client to server", client, srv}, {"server to client", srv, client}} {
		t.Run(dir.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				n, err := dir.from.Write(data)
				if err == nil && n != len(data) {
					err = fmt.Errorf("wrote %d of %d bytes", n, len(data))
				}
				done <- err
			}()
			var got []byte
			for len(got) < len(data) {
				rec := readMsg(t, dir.to)
				if len(rec) != min(dtls.MaxRecord, len(data)-len(got)) {
					t.Fatalf("read a record of %d bytes at %d", len(rec), len(got))
				}
				got = append(got, rec...)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatal("received data differs")
			}
		})
	}
	t.Run("short read buffer", func(t *testing.T) {
		write(t, client, "0123456789")
		srv.SetReadDeadline(time.Now().Add(wait))
		var got []byte
		for len(got) < 10 {
			buf := make([]byte, 3)
			n, err := srv.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != "0123456789" {
			t.Fatalf("read %q", got)
		}
	})
}

func TestCloseNotify(t *testing.T) {
	for _, closer := range []string{"client", "server"} {
		t.Run(closer+" closes", func(t *testing.T) {
			client, srv := pair(t)
			closing, other := net.Conn(client), srv
			if closer == "server" {
				closing, other = srv, client
			}
			write(t, closing, "last")
			if err := closing.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readMsg(t, other); got != "last" {
				t.Fatalf("read %q", got)
			}
			other.SetReadDeadline(time.Now().Add(wait))
			if n, err := other.Read(make([]byte, 100)); err != io.EOF {
				t.Fatalf("read after close_notify: %d, %v; want EOF", n, err)
			}
			if _, err := closing.Read(make([]byte, 100)); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("read after Close: %v, want net.ErrClosed", err)
			}
			if _, err := closing.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("write after Close: %v, want net.ErrClosed", err)
			}
			if err := closing.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
}

// TestCloseWrite checks what gcat's relay relies on at stdin's EOF: the
// record written just before CloseWrite arrives, then EOF; a Read blocked
// on the closing side returns EOF at once (the relay's other direction
// ends, so gcat can exit); and the closing side can then Close.
func TestCloseWrite(t *testing.T) {
	for _, closer := range []string{"client", "server"} {
		t.Run(closer+" closes", func(t *testing.T) {
			checkLeaks(t)
			client, srv := pair(t)
			closing, other := net.Conn(client), srv
			if closer == "server" {
				closing, other = srv, client
			}
			blocked := make(chan error, 1)
			go func() {
				closing.SetReadDeadline(time.Now().Add(wait))
				_, err := closing.Read(make([]byte, 100))
				blocked <- err
			}()
			write(t, closing, "last")
			if err := closing.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if got := readMsg(t, other); got != "last" {
				t.Fatalf("read %q", got)
			}
			other.SetReadDeadline(time.Now().Add(wait))
			if n, err := other.Read(make([]byte, 100)); err != io.EOF {
				t.Fatalf("peer's read after close_notify: %d, %v; want EOF", n, err)
			}
			select {
			case err := <-blocked:
				if err != io.EOF {
					t.Fatalf("read blocked on the closing side: %v, want EOF", err)
				}
			case <-time.After(wait):
				t.Fatal("a read on the closing side stayed blocked")
			}
			if _, err := closing.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("write after CloseWrite: %v, want net.ErrClosed", err)
			}
			if err := closing.Close(); err != nil {
				t.Fatalf("Close after CloseWrite: %v", err)
			}
		})
	}
}

// TestDeadlines checks that a past deadline unblocks a pending Read, as
// gcat's relay uses it, and that clearing it makes the session usable
// again.
func TestDeadlines(t *testing.T) {
	client, srv := pair(t)
	for _, c := range []net.Conn{client, srv} {
		done := make(chan error, 1)
		go func() {
			_, err := c.Read(make([]byte, 100))
			done <- err
		}()
		c.SetReadDeadline(time.Unix(1, 0))
		select {
		case err := <-done:
			if !errors.Is(err, os.ErrDeadlineExceeded) || !isTimeout(err) {
				t.Fatalf("read: %v, want os.ErrDeadlineExceeded", err)
			}
		case <-time.After(wait):
			t.Fatal("a past deadline did not unblock Read")
		}
		c.SetWriteDeadline(time.Unix(1, 0))
		if n, err := c.Write([]byte("x")); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("write past the deadline: %d, %v", n, err)
		}
		c.SetDeadline(time.Time{})
	}
	write(t, client, "again")
	if got := readMsg(t, srv); got != "again" {
		t.Fatalf("server read %q", got)
	}
	write(t, srv, "back")
	if got := readMsg(t, client); got != "back" {
		t.Fatalf("client read %q", got)
	}
}

// TestSeveralPeers has peers handshake at once with one Listener, each
// getting a session of its own.
func TestSeveralPeers(t *testing.T) {
	s := listen(t, serverConf(t, tlsconf.Options{}), 0)
	conf := clientConf(t, tlsconf.Options{}, "127.0.0.1")
	const peers = 5
	errs := make(chan error, peers)
	for i := range peers {
		go func() {
			errs <- func() error {
				c, err := dial(s.addr, conf)
				if err != nil {
					return err
				}
				defer c.Close()
				name := fmt.Sprintf("peer %d at %v", i, c.LocalAddr())
				if _, err := c.Write([]byte(name)); err != nil {
					return err
				}
				c.SetReadDeadline(time.Now().Add(wait))
				buf := make([]byte, 100)
				n, err := c.Read(buf)
				if err != nil {
					return err
				}
				if got := string(buf[:n]); got != "hi "+name {
					return fmt.Errorf("%s read %q", name, got)
				}
				return nil
			}()
		}()
	}
	for range peers {
		srv := s.accept(t)
		name := readMsg(t, srv)
		if want := fmt.Sprintf("at %v", srv.RemoteAddr()); !bytes.HasSuffix([]byte(name), []byte(want)) {
			t.Errorf("session of %v read %q", srv.RemoteAddr(), name)
		}
		write(t, srv, "hi "+name)
	}
	for range peers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestFailingPeers checks that peers whose handshake fails or stalls do
// not keep another from being served.
func TestFailingPeers(t *testing.T) {
	pki := newPKI(t)
	s := listen(t, serverConf(t, tlsconf.Options{CertFile: pki.serverCert, KeyFile: pki.serverKey}), 0)

	// A peer that sends one datagram and nothing more: its handshake
	// stalls until the Listener's timeout.
	junk, err := net.DialUDP("udp", nil, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer junk.Close()
	if _, err := junk.Write([]byte("not a ClientHello")); err != nil {
		t.Fatal(err)
	}

	// A peer that does not trust the server's certificate.
	_, err = dial(s.addr, clientConf(t, tlsconf.Options{TrustFile: newPKI(t).ca.CAFile}, "localhost"))
	wantErr(t, err, "unknown authority")
	wantErr(t, s.nextFailure(t), "Failed DTLS connection from 127.0.0.1:")

	c := mustDial(t, s.addr, clientConf(t, tlsconf.Options{TrustFile: pki.ca.CAFile}, "localhost"))
	srv := s.accept(t)
	write(t, c, "still served")
	if got := readMsg(t, srv); got != "still served" {
		t.Fatalf("read %q", got)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	s := listen(t, serverConf(t, tlsconf.Options{}), 100*time.Millisecond)
	junk, err := net.DialUDP("udp", nil, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer junk.Close()
	if _, err := junk.Write([]byte("not a ClientHello")); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.nextFailure(t), "the client does not speak DTLS")
}

func TestClientErrors(t *testing.T) {
	conf := clientConf(t, tlsconf.Options{}, "127.0.0.1")
	t.Run("no answer", func(t *testing.T) {
		silent, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		uc, err := net.DialUDP("udp", nil, silent.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err = dtls.Client(ctx, uc, conf)
		wantErr(t, err, "dtls handshake with "+silent.LocalAddr().String()+": no answer from the server")
	})
	t.Run("refused", func(t *testing.T) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := pc.LocalAddr().(*net.UDPAddr)
		pc.Close()
		_, err = dial(addr, conf)
		wantErr(t, err, "connection refused")
	})
	for _, tc := range []struct {
		name  string
		reply func([]byte) []byte
		want  string
	}{
		{"not DTLS", func([]byte) []byte { return []byte("what?\n") }, "the server does not speak DTLS"},
		// The echo of a ClientHello looks like DTLS, and leads nowhere.
		{"echo", func(d []byte) []byte { return d }, "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := answering(t, tc.reply)
			uc, err := net.DialUDP("udp", nil, addr)
			if err != nil {
				t.Fatal(err)
			}
			c := &firstRead{Conn: uc, done: make(chan struct{})}
			_, err = dtls.Client(expiresAfter(c.done), c, conf)
			wantErr(t, err, "dtls handshake with "+addr.String()+": "+tc.want)
		})
	}
	t.Run("canceled", func(t *testing.T) {
		silent, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		uc, err := net.DialUDP("udp", nil, silent.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := dtls.Client(ctx, uc, conf); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

// answering serves a UDP socket that answers each datagram with reply(it).
func answering(t *testing.T, reply func([]byte) []byte) *net.UDPAddr {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(reply(buf[:n]), from)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr)
}

// firstRead closes done once a Read has returned data.
type firstRead struct {
	net.Conn
	once sync.Once
	done chan struct{}
}

func (c *firstRead) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.once.Do(func() { close(c.done) })
	}
	return n, err
}

// expiresAfter is a context whose deadline passes when done is closed: a
// timeout that cannot strike before the answer it is about has come.
func expiresAfter(done <-chan struct{}) context.Context {
	return deadlineCtx{context.Background(), done}
}

type deadlineCtx struct {
	context.Context
	done <-chan struct{}
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return time.Now().Add(wait), true }
func (c deadlineCtx) Done() <-chan struct{}       { return c.done }
func (c deadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func TestCiphers(t *testing.T) {
	t.Run("none usable", func(t *testing.T) {
		conf := clientConf(t, tlsconf.Options{}, "127.0.0.1")
		conf.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}
		uc, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9})
		if err != nil {
			t.Fatal(err)
		}
		_, err = dtls.Client(context.Background(), uc, conf)
		wantErr(t, err, "none of the ciphers asked for is available for DTLS")
		sconf := serverConf(t, tlsconf.Options{})
		sconf.CipherSuites = conf.CipherSuites
		wantErr(t, dtls.CheckServer(sconf), "none of the ciphers asked for is available for DTLS")
	})
	t.Run("chosen", func(t *testing.T) {
		want := tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
		sconf := serverConf(t, tlsconf.Options{})
		sconf.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, want}
		s := listen(t, sconf, 0)
		c := mustDial(t, s.addr, clientConf(t, tlsconf.Options{}, "127.0.0.1"))
		if got := c.ConnectionState().CipherSuite; got != want {
			t.Fatalf("cipher suite %s, want %s", tls.CipherSuiteName(got), tls.CipherSuiteName(want))
		}
	})
}

func TestALPN(t *testing.T) {
	s := listen(t, serverConf(t, tlsconf.Options{ALPN: []string{"b", "c"}}), 0)
	c := mustDial(t, s.addr, clientConf(t, tlsconf.Options{ALPN: []string{"a", "b"}}, "127.0.0.1"))
	if got := c.ConnectionState().NegotiatedProtocol; got != "b" {
		t.Fatalf("negotiated %q, want b", got)
	}
}

// TestNoLeaks checks that closing the sessions and stopping the server ends
// every goroutine they started.
func TestNoLeaks(t *testing.T) {
	checkLeaks(t)
	s := listen(t, serverConf(t, tlsconf.Options{}), 0)
	conf := clientConf(t, tlsconf.Options{}, "127.0.0.1")
	var conns []net.Conn
	var wg sync.WaitGroup
	for range 3 {
		c := mustDial(t, s.addr, conf)
		srv := s.accept(t)
		write(t, c, "x")
		readMsg(t, srv)
		wg.Go(func() { c.Read(make([]byte, 10)) }) // ended by Close
		conns = append(conns, c, srv)
	}
	// A handshake under way when the server stops.
	junk, err := net.DialUDP("udp", nil, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer junk.Close()
	junk.Write([]byte("junk"))
	s.stop()
	// The sessions outlive the server.
	write(t, conns[0], "after")
	if got := readMsg(t, conns[1]); got != "after" {
		t.Fatalf("read %q", got)
	}
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
}
