// Package dgram gives datagram sockets (UDP, Unix datagrams) gcat's
// connection model, so that the relay, -k and -e work over them unchanged:
// a client socket that sends what it is given as datagrams, and a listener
// that turns every new peer into a net.Conn of its own, routing datagrams by
// the peer's address and answering from the address the peer sent to.
//
// Datagrams carry no end-of-stream. A session ends when it is closed, or, if
// the listener expires idle peers, when its peer has been silent too long: a
// Read then returns io.EOF, which the relay passes on like a socket's EOF.
package dgram

import (
	"net"
	"os"
)

// MaxDatagram is the largest payload sent in one datagram, the most an IPv4
// UDP datagram holds. Longer writes are split.
const MaxDatagram = 65507

// Conn is the client side: a connected datagram socket. Each Write of up to
// MaxDatagram bytes is one datagram; each Read returns one.
type Conn struct {
	net.Conn
	// cleanup is a Unix socket file this side bound for replies (-uU);
	// Close removes it.
	cleanup string
}

// NewConn wraps c, a connected *net.UDPConn or *net.UnixConn ("unixgram").
// If cleanup is not empty, Close removes that file.
func NewConn(c net.Conn, cleanup string) *Conn {
	return &Conn{Conn: c, cleanup: cleanup}
}

// Write sends p as one datagram, or as several of MaxDatagram bytes.
func (c *Conn) Write(p []byte) (int, error) {
	return split(p, c.Conn.Write)
}

// CloseWrite does nothing: datagrams have no end-of-stream to pass on.
func (c *Conn) CloseWrite() error { return nil }

// Close closes the socket and removes its file, if this side bound one.
func (c *Conn) Close() error {
	err := c.Conn.Close()
	if c.cleanup != "" {
		os.Remove(c.cleanup)
	}
	return err
}

// split writes p through send in datagrams of at most MaxDatagram bytes.
func split(p []byte, send func([]byte) (int, error)) (int, error) {
	n := 0
	for {
		chunk := p[:min(len(p), MaxDatagram)]
		m, err := send(chunk)
		n += m
		if err != nil {
			return n, err
		}
		if p = p[len(chunk):]; len(p) == 0 {
			return n, nil
		}
	}
}
