package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/rawio"
	"github.com/gcat-dev/gcat/internal/testpki"
	"github.com/gcat-dev/gcat/pkg/halfclose"
)

// TestRawPathChosen: the raw path takes a socket and a non-blocking pipe,
// and leaves what it cannot wait on (a blocking pipe) or does not speed up
// (socket to socket) to the other paths.
func TestRawPathChosen(t *testing.T) {
	conn, _ := tcpPair(t)
	r, w := pipe(t)
	if rawFD(conn, true) == nil || rawFD(r, false) == nil || rawFD(w, false) == nil {
		t.Fatal("socket or os.Pipe refused")
	}
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	blocking := os.NewFile(uintptr(fds[0]), "blocking")
	defer blocking.Close()
	defer syscall.Close(fds[1])
	if rawFD(blocking, false) != nil {
		t.Fatal("a blocking pipe was taken")
	}
	other, _ := tcpPair(t)
	if _, ok, _ := rawCopy(other, conn, Connection, Connection); ok {
		t.Fatal("socket to socket was taken")
	}
	tc := tls.Client(conn, &tls.Config{})
	if newRawCopier(w, tc, Input, Connection) == nil || newRawCopier(tc, r, Connection, Output) == nil {
		t.Fatal("TLS to or from a non-blocking pipe was not taken")
	}
	if newRawCopier(other, tc, Connection, Connection) != nil || newRawCopier(blocking, tc, Input, Connection) != nil {
		t.Fatal("TLS to a socket or a blocking pipe was taken")
	}
}

// tlsPair returns a TLS connection over a raw socket, as pkg/netcat makes
// one for --ssl, and its peer, both through their handshakes.
func tlsPair(t *testing.T) (ours, peer *tls.Conn) {
	t.Helper()
	certFile, keyFile := testpki.New(t).Leaf("server", "server", time.Now().Add(time.Hour), "127.0.0.1")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	a, b := tcpPair(t)
	ours = tls.Server(rawio.Wrap(a), &tls.Config{Certificates: []tls.Certificate{cert}})
	peer = tls.Client(b, &tls.Config{InsecureSkipVerify: true})
	errc := make(chan error, 1)
	go func() { errc <- peer.Handshake() }()
	if err := ours.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return ours, peer
}

// TestRawTLSConversation: the raw path between a TLS connection and an -e
// child's pipes carries a stream and then a conversation of small
// messages, each answered without waiting for more; the peer's
// close_notify and FIN reach the child as EOF, and the child's EOF reaches
// the peer as close_notify and FIN, with nothing lost either way.
func TestRawTLSConversation(t *testing.T) {
	conn, peer := tlsPair(t)
	converseWithCat(t, conn, peer, []byte("the last words\n"))
}

// TestRawConversationAfterStream: a stream large enough to go through the
// bulk splice, then a conversation of small messages, through a relay
// whose local ends are an echoing "child"'s pipes: every byte comes back,
// in order, and each small message is answered without waiting for more
// input (the bulk hand-over does not hold data back). Then the peer's EOF
// reaches the child and the child's EOF reaches the peer.
func TestRawConversationAfterStream(t *testing.T) {
	conn, peer := tcpPair(t)
	converseWithCat(t, conn.(Conn), peer, nil)
}

// converseWithCat relays conn to a "child" that echoes (cat, on two
// pipes) and, from peer, sends a 3 MiB stream, then 200 small messages one
// at a time, each of which must come back before the next is sent, then
// tail and its EOF: tail must come back, then the EOF, and Run must
// return having counted every byte both ways.
func converseWithCat(t *testing.T, conn Conn, peer io.ReadWriter, tail []byte) {
	t.Helper()
	childIn, toChild := pipe(t)    // relay writes toChild
	fromChild, childOut := pipe(t) // relay reads fromChild
	go func() {
		io.Copy(childOut, childIn) // the child: cat
		childOut.Close()
	}()
	done := goRun(context.Background(), conn, fromChild, toChild, Options{Idle: -1})

	stream := make([]byte, 3<<20)
	rand.Read(stream)
	go peer.Write(stream)
	got := make([]byte, len(stream))
	if _, err := io.ReadFull(peer, got); err != nil || !bytes.Equal(got, stream) {
		t.Fatalf("stream came back wrong: %v", err)
	}
	for i := 0; i < 200; i++ {
		msg := []byte{byte(i), 'x', '\n'}
		if _, err := peer.Write(msg); err != nil {
			t.Fatal(err)
		}
		back := make([]byte, len(msg))
		if _, err := io.ReadFull(peer, back); err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("message %d: got %q, %v", i, back, err)
		}
	}
	if len(tail) > 0 {
		if _, err := peer.Write(tail); err != nil {
			t.Fatal(err)
		}
	}
	if err := halfclose.CloseWrite(peer); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(peer); err != nil || !bytes.Equal(rest, tail) {
		t.Fatalf("after its EOF the peer got %q, %v; want %q", rest, err, tail)
	}
	want := int64(len(stream) + 600 + len(tail))
	if r := await(t, done); r.err != nil || r.st.Sent != want || r.st.Received != want {
		t.Fatalf("Run = %+v, %v", r.st, r.err)
	}
}

// TestRawErrorsName their stream: a write to a pipe nobody reads is the
// local output's EPIPE; a reset is the connection's.
func TestRawErrorsNameTheirStream(t *testing.T) {
	conn, peer := tcpPair(t)
	outR, outW := pipe(t)
	outR.Close()
	go peer.Write([]byte("data"))
	_, err := copyStream(outW, conn, Output, Connection)
	var e *Error
	if !errors.As(err, &e) || e.Side != Output || !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("write to a closed pipe: %v", err)
	}

	conn, peer = tcpPair(t)
	_, outW = pipe(t)
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close() // RST
	_, err = copyStream(outW, conn, Output, Connection)
	if !errors.As(err, &e) || e.Side != Connection || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read of a reset connection: %v", err)
	}
}
