package halfclose

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// pair returns both ends of a real connection over network.
func pair(t *testing.T, network, addr string) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		ch <- result{c, err}
	}()
	client, err = net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { client.Close(); r.c.Close() })
	return client, r.c
}

// checkHalfClose writes, half-closes a, and checks that b reads the data and
// EOF while the reverse direction still works.
func checkHalfClose(t *testing.T, a, b net.Conn) {
	t.Helper()
	// The writer is joined before the test ends: the cleanup closes both
	// ends, and a CloseWrite still running then would fail for that reason.
	closed := make(chan error, 1)
	go func() {
		if _, err := a.Write([]byte("ping")); err != nil {
			closed <- err
			return
		}
		closed <- CloseWrite(a)
	}()
	defer func() {
		if err := <-closed; err != nil {
			t.Errorf("write and CloseWrite: %v", err)
		}
	}()
	b.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "ping" {
		t.Fatalf("read %q, %v; want ping, EOF", got, err)
	}
	if _, err := b.Write([]byte("pong")); err != nil {
		t.Fatalf("reverse write after half-close: %v", err)
	}
	b.Close()
	a.SetDeadline(time.Now().Add(10 * time.Second))
	back, err := io.ReadAll(a)
	if err != nil || string(back) != "pong" {
		t.Fatalf("reverse read %q, %v; want pong", back, err)
	}
}

func TestTCP(t *testing.T) {
	a, b := pair(t, "tcp", "127.0.0.1:0")
	checkHalfClose(t, a, b)
}

func TestUnix(t *testing.T) {
	a, b := pair(t, "unix", filepath.Join(t.TempDir(), "s"))
	checkHalfClose(t, a, b)
}

func TestTLS(t *testing.T) {
	a, b := pair(t, "tcp", "127.0.0.1:0")
	cert := selfSigned(t)
	srv := tls.Server(b, &tls.Config{Certificates: []tls.Certificate{cert}})
	cli := tls.Client(a, &tls.Config{InsecureSkipVerify: true})
	checkHalfClose(t, cli, srv)
}

func TestPipeCloses(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Write([]byte("x"))
	if err := CloseWrite(w); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "x" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestNopCloserKeepsOpen(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := CloseWrite(NopCloser(w)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("still open")); err != nil {
		t.Fatalf("write after NopCloser CloseWrite: %v", err)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
