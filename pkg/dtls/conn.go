package dtls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3"
)

// MaxRecord is the most application data one record, and so one datagram,
// carries; Write splits longer buffers. Pion reads each datagram into
// 8 KiB and drops what does not fit, so a record must leave room in 8192
// bytes for its header (13), nonce or IV (up to 16), MAC or tag (up to 20)
// and CBC padding (up to 16). The same limit holds for what peers send:
// OpenSSL sends records of up to 16 KiB when its application writes that
// much at once, and pion drops those longer than about 8 KiB.
const MaxRecord = 8192 - 128

// maxDatagram is the largest UDP payload: buffers this long never cut a
// datagram short.
const maxDatagram = 1 << 16

// maxPlaintext is the most data a record may carry (RFC 6347 keeps TLS's
// 2^14 bytes).
const maxPlaintext = 1 << 14

// dtlsVersion is DTLS 1.2's version on the wire, the only one pion speaks.
const dtlsVersion = 0xfefd

// Conn is a DTLS session as a net.Conn: each Write of up to MaxRecord bytes
// is one record in one datagram, and each Read returns one record (or what
// a shorter buffer leaves of it). DTLS 1.2 has no half-close: CloseWrite
// ends the session both ways.
type Conn struct {
	dc         *dtls.Conn
	serverName string
	closed     atomic.Bool

	rmu     sync.Mutex // serialises Reads, which own buf and pending
	buf     []byte
	pending []byte // the rest of a record longer than a Read's buffer
}

func newConn(dc *dtls.Conn, serverName string) *Conn {
	return &Conn{dc: dc, serverName: serverName}
}

// Read returns the next record. It returns io.EOF once the peer has sent
// close_notify, and os.ErrDeadlineExceeded past the read deadline.
func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	for {
		// Pion drops a record longer than the buffer it is given: read
		// into one that holds any, and keep the rest for the next Read.
		dst := p
		if len(p) < maxPlaintext {
			if c.buf == nil {
				c.buf = make([]byte, maxPlaintext)
			}
			dst = c.buf
		}
		n, err := c.dc.Read(dst)
		if errors.Is(err, io.EOF) && !c.closed.Load() {
			n, err = c.drain(dst)
		}
		if err != nil {
			if isWarning(err) {
				continue // the session goes on after a warning alert
			}
			return 0, c.mapErr(err)
		}
		if len(p) < maxPlaintext {
			m := copy(p, dst[:n])
			c.pending = dst[m:n]
			return m, nil
		}
		return n, nil
	}
}

// drainTries bounds drain's attempts: each misses a waiting record with
// probability 1/2.
const drainTries = 64

// drain returns the record that may wait in pion after the session ended.
// When a record and the close_notify after it arrive together, pion's Read
// chooses at random (a select) between returning the record and io.EOF,
// and the last datagram a peer sent before closing would be lost half of
// the time. Once the session has ended every call returns at once, and at
// most one record waits.
func (c *Conn) drain(dst []byte) (int, error) {
	for range drainTries {
		n, err := c.dc.Read(dst)
		if !errors.Is(err, io.EOF) {
			return n, err
		}
	}
	return 0, io.EOF
}

// Write sends p as one record, or as several of MaxRecord bytes. Pion
// itself sends any buffer as one record: at 64 KiB the datagram is too
// long to send, and from about 8 KiB on it goes out but a pion peer drops
// it.
func (c *Conn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), MaxRecord)]
		if _, err := c.dc.Write(chunk); err != nil {
			return n, c.mapErr(err)
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// CloseWrite sends close_notify, after which the peer's Read returns
// io.EOF, as ncat 7.93's DTLS client does at stdin's EOF. DTLS 1.2, like
// TLS 1.2, has no half-close: the peer answers close_notify with its own
// and ends the session (RFC 5246 section 7.2.1; pion and OpenSSL both
// do), so CloseWrite ends it here too. Reads then return what had already
// arrived, then io.EOF, so a relay's other direction ends at once; Writes
// fail with net.ErrClosed. The socket or listener session under the Conn
// is closed; Close is still needed, and then returns nil.
func (c *Conn) CloseWrite() error {
	return c.dc.Close()
}

// Close sends close_notify, after which the peer's Read returns io.EOF, and
// closes the datagram socket or session under the Conn.
func (c *Conn) Close() error {
	c.closed.Store(true)
	return c.dc.Close()
}

// LocalAddr is the local address, a *net.UDPAddr over UDP.
func (c *Conn) LocalAddr() net.Addr { return c.dc.LocalAddr() }

// RemoteAddr is the peer's address, a *net.UDPAddr over UDP.
func (c *Conn) RemoteAddr() net.Addr { return c.dc.RemoteAddr() }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error { return c.dc.SetDeadline(t) }

// SetReadDeadline makes a pending and future Read fail once t has passed.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.dc.SetReadDeadline(t) }

// SetWriteDeadline makes a future Write fail once t has passed.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.dc.SetWriteDeadline(t) }

// ConnectionState describes the session as crypto/tls would, so that what
// gcat says of TLS sessions (tlsconf.Check, fingerprints) applies. Version
// is DTLS 1.2's 0xfefd; on the server side ServerName is empty.
func (c *Conn) ConnectionState() tls.ConnectionState {
	st, ok := c.dc.ConnectionState()
	if !ok {
		return tls.ConnectionState{}
	}
	return tlsState(&st, c.serverName)
}

func tlsState(st *dtls.State, serverName string) tls.ConnectionState {
	cs := tls.ConnectionState{
		Version:            dtlsVersion,
		HandshakeComplete:  true,
		CipherSuite:        uint16(st.CipherSuiteID),
		NegotiatedProtocol: st.NegotiatedProtocol,
		ServerName:         serverName,
	}
	for _, raw := range st.PeerCertificates {
		cert, err := x509.ParseCertificate(raw)
		if err != nil {
			break // pion verified what it could parse; show that much
		}
		cs.PeerCertificates = append(cs.PeerCertificates, cert)
	}
	return cs
}

// mapErr turns pion's errors into the ones net.Conn users test for.
func (c *Conn) mapErr(err error) error {
	var ne net.Error
	switch {
	case c.closed.Load():
		return net.ErrClosed
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.Is(err, dtls.ErrConnClosed):
		return net.ErrClosed
	case errors.As(err, &ne) && ne.Timeout():
		return os.ErrDeadlineExceeded
	}
	return err
}

// isWarning reports whether err is a warning alert from the peer, which
// pion hands to Read without ending the session.
func isWarning(err error) bool {
	var a interface{ IsFatalOrCloseNotify() bool }
	return errors.As(err, &a) && !a.IsFatalOrCloseNotify()
}

// packetConn gives pion, which reads and writes datagrams with addresses,
// a connected socket or a listener's session: a net.Conn with one peer.
type packetConn struct {
	net.Conn
	buf []byte // pion serialises reads

	// What has come in, for saying why a handshake timed out.
	received atomic.Int64
	sawDTLS  atomic.Bool
}

func newPacketConn(c net.Conn) *packetConn {
	return &packetConn{Conn: c, buf: make([]byte, maxDatagram)}
}

// ReadFrom reads a whole datagram, then gives pion what fits in b, as a
// UDP socket would: a session that kept the rest for its next Read would
// hand pion the tail of a record as if it were a datagram.
func (p *packetConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := p.Conn.Read(p.buf)
	if n > 0 {
		p.received.Add(1)
		if looksDTLS(p.buf[:n]) {
			p.sawDTLS.Store(true)
		}
	}
	return copy(b, p.buf[:n]), p.Conn.RemoteAddr(), err
}

// looksDTLS reports whether d starts with a DTLS record header: a content
// type from change_cipher_spec (20) to tls12_cid (25), and a DTLS version
// (0xfeXX).
func looksDTLS(d []byte) bool {
	return len(d) >= 13 && d[0] >= 20 && d[0] <= 25 && d[1] == 0xfe
}

// WriteTo sends to the one peer there is.
func (p *packetConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	return p.Conn.Write(b)
}
