package socks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/net/proxy"
)

// aLongTimeAgo is a deadline in the past: setting it unblocks pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

// Connect asks the SOCKS proxy at the other end of conn to connect to
// target, speaking version 4 (SOCKS4a when target is a host name) or 5.
// auth, if set, is sent as RFC 1929 credentials to a SOCKS5 proxy, and its
// User as the SOCKS4 user id.
//
// The connection returned is conn itself: the handshake reads exactly the
// proxy's reply, so nothing is left in a buffer, and conn keeps its
// CloseWrite, its deadlines and the kernel's zero-copy paths. The caller
// owns conn and closes it, on failure too. Failures are *Error values.
//
// ctx bounds the handshake: its deadline becomes conn's for the duration,
// and its cancellation interrupts it.
func Connect(ctx context.Context, conn net.Conn, version int, target Target, auth *Auth) (net.Conn, error) {
	var err error
	switch version {
	case version4:
		err = connect4(ctx, conn, target, auth)
	case version5:
		err = connect5(ctx, conn, target, auth)
	default:
		return nil, fmt.Errorf("socks: unsupported version %d (want 4 or 5)", version)
	}
	if err != nil {
		return nil, &Error{Version: version, Proxy: addrString(conn.RemoteAddr()), Err: err}
	}
	return conn, nil
}

func connect4(ctx context.Context, conn net.Conn, t Target, auth *Auth) error {
	var user string
	if auth != nil {
		user = auth.User
	}
	req, err := appendRequest4(make([]byte, 0, 32), t, user)
	if err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
		defer conn.SetDeadline(time.Time{})
	}
	stop := interrupt(ctx, conn)
	err = handshake4(conn, req)
	if cerr := stop(); cerr != nil {
		return cerr
	}
	return err
}

func handshake4(conn net.Conn, req []byte) error {
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("send request: %w", err)
	}
	var rep [8]byte
	if _, err := io.ReadFull(conn, rep[:]); err != nil {
		if short(err) {
			return ErrClosed
		}
		return fmt.Errorf("read reply: %w", err)
	}
	_, err := parseReply4(rep)
	return err
}

// handshaker is the method of x/net's SOCKS5 dialer (an internal type,
// returned by proxy.SOCKS5 as a proxy.Dialer) that runs the handshake over
// a connection we dialed. Its DialContext would dial its own connection,
// whose wrapper has no CloseWrite.
type handshaker interface {
	DialWithConn(ctx context.Context, c net.Conn, network, address string) (net.Addr, error)
}

func connect5(ctx context.Context, conn net.Conn, t Target, auth *Auth) error {
	t, err := t.sendable()
	if err != nil {
		return err
	}
	var pa *proxy.Auth
	if auth != nil {
		if auth.User == "" || len(auth.User) > maxName || len(auth.Password) > maxName {
			return fmt.Errorf("socks5 credentials: the user must have 1 to %d bytes and the password at most %d", maxName, maxName)
		}
		pa = &proxy.Auth{User: auth.User, Password: auth.Password}
	}
	d, err := proxy.SOCKS5("tcp", addrString(conn.RemoteAddr()), pa, nil)
	if err != nil {
		return err
	}
	h, ok := d.(handshaker)
	if !ok {
		return fmt.Errorf("golang.org/x/net/proxy.SOCKS5 returned a %T, which has no DialWithConn", d)
	}
	// x/net sends an address as an address and anything else as a domain
	// name, which is what Target means. Its errors are bare strings, so
	// what the proxy said is read again from a copy of the bytes.
	rec := &recorder{Conn: conn}
	_, xerr := h.DialWithConn(ctx, rec, "tcp", t.String())
	_, perr := readHandshake5(bytes.NewReader(rec.read), pa != nil)
	if short(perr) && ctx.Err() != nil {
		// x/net reports the I/O error its interruption caused.
		return ctx.Err()
	}
	return explain5(xerr, perr)
}

// short reports whether a parse ran out of bytes.
func short(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// explain5 combines x/net's verdict on a handshake with ours over the same
// bytes. The proxy's answer, when the bytes hold one, is the error; when
// they stop short, x/net's error tells why.
func explain5(xerr, perr error) error {
	switch {
	case perr == nil && xerr == nil:
		return nil
	case perr == nil:
		return opCause(xerr) // cancelled after the reply, or a write failed
	case !short(perr):
		// Also when x/net went on regardless: it sends the request
		// after a method it did not offer, and we do not.
		return perr
	case xerr == nil:
		return fmt.Errorf("%w: accepted by x/net/proxy before it was complete", ErrProtocol)
	}
	cause := opCause(xerr)
	if short(cause) {
		return ErrClosed
	}
	return cause
}

// opCause strips the net.OpError x/net wraps its errors in: ours name the
// proxy already, and its Op reads "socks connect".
func opCause(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Err
	}
	return err
}

// recorder keeps a copy of what the proxy sends during the handshake.
type recorder struct {
	net.Conn
	read []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.read = append(r.read, p[:n]...)
	return n, err
}

// interrupt makes ctx's end unblock I/O on conns by moving their deadlines
// into the past, the way x/net's client does. stop must be called when the
// I/O is over; it returns ctx's error if the interruption happened (the
// I/O then failed with a timeout that was really a cancellation), and it
// returns only once the interruption is complete, leaving no goroutine.
func interrupt(ctx context.Context, conns ...net.Conn) (stop func() error) {
	fired := make(chan struct{})
	cancel := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetDeadline(aLongTimeAgo)
		}
		close(fired)
	})
	return func() error {
		if cancel() {
			return nil
		}
		<-fired
		return ctx.Err()
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return "(unknown address)"
	}
	return a.String()
}
