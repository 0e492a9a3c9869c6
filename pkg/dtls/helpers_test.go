package dtls_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/dgram"
	"github.com/gcat-dev/gcat/pkg/dtls"
	pipeline "github.com/gcat-dev/gcat/pkg/server"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// wait bounds every blocking step of these tests: nothing here waits on
// luck, only on events that must happen well within it.
const wait = 10 * time.Second

// server is gcat's server pipeline serving DTLS on 127.0.0.1, and what it
// reports.
type server struct {
	addr   *net.UDPAddr
	conns  chan net.Conn
	failed chan error // its lines about failed handshakes
	stop   func()     // stops accepting; sessions go on
}

// listen serves conf on a fresh loopback port until the test ends, each
// handshake bounded by timeout (zero: the pipeline's default).
func listen(t *testing.T, conf *tls.Config, timeout time.Duration) *server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: pc.LocalAddr().(*net.UDPAddr), conns: make(chan net.Conn, 16), failed: make(chan error, 16)}
	opt := pipeline.Options{
		Handshake: func(ctx context.Context, c net.Conn) (net.Conn, error) {
			return dtls.Server(ctx, c, conf)
		},
		HandshakeName:    "DTLS",
		HandshakeTimeout: timeout,
		Log:              failures{t, s.failed},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		pipeline.Serve(ctx, dgram.Listen([]net.PacketConn{pc}, dgram.Options{}), opt, func(ctx context.Context, c net.Conn) func() error {
			s.conns <- c
			return func() error { <-ctx.Done(); return nil }
		})
	}()
	var once sync.Once
	s.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(s.stop)
	return s
}

// failures takes the pipeline's lines about failed handshakes.
type failures struct {
	t  *testing.T
	ch chan error
}

func (f failures) Infof(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if !strings.HasPrefix(line, "Failed DTLS connection") {
		return
	}
	select {
	case f.ch <- errors.New(line):
	default:
		f.t.Errorf("unexpected handshake failure: %s", line)
	}
}
func (failures) Debugf(string, ...any) {}
func (failures) Errorf(string, ...any) {}

// accept returns the next session, within wait.
func (s *server) accept(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-s.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(wait):
		t.Fatal("no session accepted")
		return nil
	}
}

// nextFailure returns the next handshake failure the pipeline reports.
func (s *server) nextFailure(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.failed:
		return err
	case <-time.After(wait):
		t.Fatal("no handshake failure reported")
		return nil
	}
}

// dial runs the client handshake with addr from a connected UDP socket.
func dial(addr *net.UDPAddr, conf *tls.Config) (*dtls.Conn, error) {
	uc, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return dtls.Client(ctx, uc, conf)
}

// mustDial is dial for handshakes that must succeed.
func mustDial(t *testing.T, addr *net.UDPAddr, conf *tls.Config) *dtls.Conn {
	t.Helper()
	c, err := dial(addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pair returns a client session and the server's side of it, with ncat's
// plain --ssl configurations.
func pair(t *testing.T) (client *dtls.Conn, srv net.Conn) {
	t.Helper()
	s := listen(t, serverConf(t, tlsconf.Options{}), 0)
	client = mustDial(t, s.addr, clientConf(t, tlsconf.Options{}, "127.0.0.1"))
	return client, s.accept(t)
}

func serverConf(t *testing.T, o tlsconf.Options) *tls.Config {
	t.Helper()
	conf, err := tlsconf.Server(o, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

func clientConf(t *testing.T, o tlsconf.Options, host string) *tls.Config {
	t.Helper()
	conf, err := tlsconf.Client(o, host)
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

// readMsg reads one record, within wait.
func readMsg(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	defer c.SetReadDeadline(time.Time{})
	buf := make([]byte, 1<<16)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(buf[:n])
}

func write(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if n, err := c.Write([]byte(msg)); err != nil || n != len(msg) {
		t.Fatalf("write %q: %d, %v", msg, n, err)
	}
}

// wantErr fails unless err's text has want in it.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("no error, want one with %q", want)
	case !strings.Contains(err.Error(), want):
		t.Fatalf("error %q, want one with %q", err, want)
	}
}

// checkLeaks makes the test fail if, once it and its cleanups are done,
// more goroutines run than when it started. Call it first, so that its
// cleanup runs last.
func checkLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(wait)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond) // goroutines end on their own: poll
		}
	})
}

// isTimeout reports whether err is a deadline's.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
