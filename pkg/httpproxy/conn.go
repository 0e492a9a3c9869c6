package httpproxy

import (
	"bufio"
	"io"
	"net"

	"github.com/gcat-dev/gcat/pkg/halfclose"
)

// withBuffered returns conn, or, when br read past the handshake, a
// connection that first returns those bytes.
func withBuffered(conn net.Conn, br *bufio.Reader) net.Conn {
	n := br.Buffered()
	if n == 0 {
		return conn
	}
	buf, _ := br.Peek(n)
	return &bufferedConn{Conn: conn, buf: append([]byte(nil), buf...)}
}

// bufferedConn is a connection whose reads first drain bytes a handshake
// read ahead. It embeds the net.Conn interface, not a concrete type, so that
// no promoted ReadFrom or WriteTo can skip those bytes; its own WriteTo sends
// them first.
type bufferedConn struct {
	net.Conn
	buf []byte
}

func (c *bufferedConn) Read(p []byte) (int, error) {
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite passes EOF on to the peer while reads continue: the reason
// gcat exists.
func (c *bufferedConn) CloseWrite() error {
	return halfclose.CloseWrite(c.Conn)
}

// WriteTo lets io.Copy reach the underlying connection's zero-copy path
// once the read-ahead bytes are out.
func (c *bufferedConn) WriteTo(w io.Writer) (int64, error) {
	var n int64
	if len(c.buf) > 0 {
		m, err := w.Write(c.buf)
		n += int64(m)
		c.buf = c.buf[m:]
		if err != nil {
			return n, err
		}
	}
	m, err := io.Copy(w, c.Conn)
	return n + m, err
}

// ReadFrom lets io.Copy into the tunnel use the underlying connection's
// zero-copy path.
func (c *bufferedConn) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(c.Conn, r)
}
