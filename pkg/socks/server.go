package socks

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/gcat-dev/gcat/pkg/halfclose"
	"github.com/gcat-dev/gcat/pkg/relay"
)

// DefaultHandshakeTimeout bounds a server handshake, dial included, when
// ServerConfig.HandshakeTimeout is zero.
const DefaultHandshakeTimeout = 30 * time.Second

// ServerConfig is what Serve needs besides the client. The zero value
// serves SOCKS4, SOCKS4a and SOCKS5 without authentication.
type ServerConfig struct {
	// Version is the protocol served: 4 (SOCKS4 and 4a) or 5. If zero,
	// both are, the client's first byte telling which.
	Version int

	// Auth, if set, is required: SOCKS5 clients must authenticate with
	// RFC 1929 username/password, and SOCKS4 clients must send Auth.User
	// as their user id (SOCKS4 has no password).
	Auth *Auth

	// Dial connects to a client's target; addr is host:port, where host
	// may be a name the client left to us to resolve. If nil, a
	// net.Dialer is used.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// HandshakeTimeout bounds the time from the client's first byte to our
	// reply, the dial included. If zero, DefaultHandshakeTimeout is used.
	// If negative, there is no limit.
	HandshakeTimeout time.Duration

	// Debugf, if set, is told of each request and its outcome (-v).
	Debugf func(format string, args ...any)
}

func (c *ServerConfig) debugf(format string, args ...any) {
	if c.Debugf != nil {
		c.Debugf(format, args...)
	}
}

// Serve answers one accepted client: Accept, then Request.Serve.
//
// Serve closes client, and the target connection, before it returns; no
// goroutine of its own outlives it. Cancelling ctx ends it at any stage.
// Accepting, access control, TLS and connection limits are the caller's.
func Serve(ctx context.Context, client net.Conn, cfg ServerConfig) error {
	req, err := Accept(ctx, client, cfg)
	if err != nil {
		return err
	}
	return req.Serve(ctx)
}

// Request is a client's CONNECT request, read and authorized: what is left
// is to connect to its target, answer, and relay.
type Request struct {
	Target  Target
	client  net.Conn
	cfg     ServerConfig
	version int
}

// Accept is the server's handshake with a client: the greeting,
// authentication and request, within HandshakeTimeout (and ctx). What it
// does not serve (BIND, UDP ASSOCIATE, a bad user) it refuses in the
// client's protocol. On failure it closes client; on success the Request
// owns client.
func Accept(ctx context.Context, client net.Conn, cfg ServerConfig) (*Request, error) {
	req, err := accept(ctx, client, &cfg)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("socks client %s: %w", addrString(client.RemoteAddr()), err)
	}
	return req, nil
}

func accept(ctx context.Context, client net.Conn, cfg *ServerConfig) (*Request, error) {
	if cfg.Version != 0 && cfg.Version != version4 && cfg.Version != version5 {
		return nil, fmt.Errorf("unsupported version %d (want 4, 5 or 0 for both)", cfg.Version)
	}
	hctx, cancel := withTimeout(ctx, cfg.HandshakeTimeout)
	defer cancel()
	if d, ok := hctx.Deadline(); ok {
		client.SetDeadline(d)
	}
	stop := interrupt(hctx, client)
	req, err := negotiate(client, cfg)
	if cerr := stop(); cerr != nil && err == nil {
		err = fmt.Errorf("handshake: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	client.SetDeadline(time.Time{})
	return req, nil
}

// Serve connects to the request's target (within HandshakeTimeout),
// answers the client, and relays until both directions have ended,
// passing each one's EOF on with CloseWrite. It closes the client and the
// target before it returns.
func (r *Request) Serve(ctx context.Context) error {
	defer r.client.Close()
	target, err := r.connect(ctx)
	if err != nil {
		return fmt.Errorf("socks client %s: %w", addrString(r.client.RemoteAddr()), err)
	}
	defer target.Close()
	stop := interrupt(ctx, r.client, target)
	// Cancellation goes through the deadlines above rather than relay's
	// context, so that Run still waits for both of its pumps. Idle -1:
	// both ends are sockets, and each direction runs to its own EOF.
	_, err = relay.Run(context.WithoutCancel(ctx), target, r.client, r.client, relay.Options{Idle: -1})
	if cerr := stop(); cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("socks client %s: relay: %w", addrString(r.client.RemoteAddr()), err)
	}
	return nil
}

// connect dials the target and answers the client: granted, with the
// address it was connected from, or refused with the code that names why.
func (r *Request) connect(ctx context.Context) (net.Conn, error) {
	dctx, cancel := withTimeout(ctx, r.cfg.HandshakeTimeout)
	defer cancel()
	stop := interrupt(dctx, r.client)
	target, err := dial(dctx, &r.cfg, r.Target)
	if cerr := stop(); cerr != nil && err == nil {
		target.Close()
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("socks%d CONNECT %s: %w", r.version, r.Target, err)
		if r.version == version4 {
			return nil, refuse(r.client, appendReply4(nil, rep4Rejected, netip.AddrPort{}), err)
		}
		return nil, refuse(r.client, appendReply5(nil, reply5For(err), netip.AddrPort{}), err)
	}
	reply := appendReply5(nil, rep5OK, boundAddr(target))
	if r.version == version4 {
		reply = appendReply4(nil, rep4Granted, boundAddr(target))
	}
	if _, err := r.client.Write(reply); err != nil {
		target.Close()
		return nil, fmt.Errorf("send socks%d reply: %w", r.version, err)
	}
	r.cfg.debugf("socks%d CONNECT %s from %s: connected from %s", r.version, r.Target, addrString(r.client.RemoteAddr()), addrString(target.LocalAddr()))
	return target, nil
}

// withTimeout bounds ctx by a HandshakeTimeout: zero is the default,
// negative no bound.
func withTimeout(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout == 0 {
		timeout = DefaultHandshakeTimeout
	}
	if timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, timeout)
}

// negotiate dispatches on the version byte.
func negotiate(client net.Conn, cfg *ServerConfig) (*Request, error) {
	var v [1]byte
	if _, err := io.ReadFull(client, v[:]); err != nil {
		return nil, fmt.Errorf("read version: %w", err)
	}
	switch {
	case v[0] == version5 && cfg.Version != version4:
		return serve5(client, cfg)
	case v[0] == version4 && cfg.Version != version5:
		return serve4(client, cfg)
	case v[0] == version5:
		// Refused in the client's own protocol, after reading its
		// whole message so that closing does not reset the reply.
		if _, err := readGreeting5(client); err != nil {
			return nil, err
		}
		return nil, refuse(client, []byte{version5, methodNoAcceptable}, errors.New("socks5 refused: this server speaks socks4"))
	case v[0] == version4:
		if _, err := readRequest4(client); err != nil {
			return nil, err
		}
		return nil, refuse(client, appendReply4(nil, rep4Rejected, netip.AddrPort{}), errors.New("socks4 refused: this server speaks socks5"))
	}
	return nil, fmt.Errorf("unsupported SOCKS version %d", v[0])
}

func serve4(client net.Conn, cfg *ServerConfig) (*Request, error) {
	req, err := readRequest4(client)
	if short(err) {
		return nil, err
	}
	if err != nil {
		return nil, refuse(client, appendReply4(nil, rep4Rejected, netip.AddrPort{}), err)
	}
	if req.cmd != cmdConnect {
		return nil, refuse(client, appendReply4(nil, rep4Rejected, netip.AddrPort{}), fmt.Errorf("socks4 command %d refused: only CONNECT is supported", req.cmd))
	}
	if cfg.Auth != nil && !equal(req.user, cfg.Auth.User) {
		// 93 is "the user id does not match identd's": the nearest
		// SOCKS4 has to a wrong user.
		return nil, refuse(client, appendReply4(nil, rep4BadUser, netip.AddrPort{}), fmt.Errorf("socks4 user id %q refused", req.user))
	}
	return &Request{Target: req.target, client: client, cfg: *cfg, version: version4}, nil
}

func serve5(client net.Conn, cfg *ServerConfig) (*Request, error) {
	if err := authenticate5(client, cfg.Auth); err != nil {
		return nil, err
	}
	fail := func(code byte, err error) (*Request, error) {
		return nil, refuse(client, appendReply5(nil, code, netip.AddrPort{}), err)
	}
	req, err := readRequest5(client)
	switch {
	case errors.Is(err, errAddrType):
		return fail(rep5AddrUnsupported, err)
	case short(err):
		return nil, err
	case err != nil:
		return fail(rep5Failure, err)
	case req.cmd != cmdConnect:
		return fail(rep5CmdUnsupported, fmt.Errorf("socks5 command %d refused: only CONNECT is supported", req.cmd))
	}
	return &Request{Target: req.target, client: client, cfg: *cfg, version: version5}, nil
}

// authenticate5 reads the greeting, chooses a method and, for
// username/password, checks the credentials.
func authenticate5(client net.Conn, auth *Auth) error {
	methods, err := readGreeting5(client)
	if err != nil {
		return err
	}
	want := byte(methodNone)
	if auth != nil {
		want = methodUserPass
	}
	if !slices.Contains(methods, want) {
		return refuse(client, []byte{version5, methodNoAcceptable}, fmt.Errorf("socks5 client offers methods %v, none acceptable (want %d)", methods, want))
	}
	if _, err := client.Write([]byte{version5, want}); err != nil {
		return fmt.Errorf("send socks5 method: %w", err)
	}
	if auth == nil {
		return nil
	}
	user, pass, err := readUserPass(client)
	if short(err) {
		return err
	}
	if err != nil {
		return refuse(client, []byte{userPassVersion, userPassFailed}, err)
	}
	// Both compared, always, so the time taken tells nothing.
	userOK, passOK := equal(user, auth.User), equal(pass, auth.Password)
	if !userOK || !passOK {
		return refuse(client, []byte{userPassVersion, userPassFailed}, fmt.Errorf("socks5 authentication failed for user %q", user))
	}
	if _, err := client.Write([]byte{userPassVersion, userPassOK}); err != nil {
		return fmt.Errorf("send socks5 authentication status: %w", err)
	}
	return nil
}

func dial(ctx context.Context, cfg *ServerConfig, t Target) (net.Conn, error) {
	d := cfg.Dial
	if d == nil {
		d = (&net.Dialer{}).DialContext
	}
	return d(ctx, "tcp", t.String())
}

// refuse sends a failure reply and returns err. It then half-closes and
// reads what the client still sends, briefly: closing a socket with unread
// data resets it, and the reset could overtake the reply.
func refuse(client net.Conn, reply []byte, err error) error {
	if _, werr := client.Write(reply); werr != nil {
		return errors.Join(err, fmt.Errorf("send refusal: %w", werr))
	}
	halfclose.CloseWrite(client)
	client.SetReadDeadline(time.Now().Add(lingerTime))
	io.Copy(io.Discard, io.LimitReader(client, lingerBytes))
	return err
}

// lingerTime and lingerBytes bound the wait for a refused client to close.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 64 << 10
)

// reply5For maps a dial error to the SOCKS5 reply code that names it.
func reply5For(err error) byte {
	var dnsErr *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return rep5Refused
	case errors.Is(err, syscall.ENETUNREACH):
		return rep5NetUnreachable
	case errors.Is(err, syscall.EHOSTUNREACH), errors.As(err, &dnsErr):
		return rep5HostUnreachable
	case errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return rep5TTLExpired
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return rep5NotAllowed
	}
	return rep5Failure
}

// boundAddr is the address the target connection was made from, which
// the reply reports.
func boundAddr(c net.Conn) netip.AddrPort {
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		return a.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(addrString(c.LocalAddr()))
	return ap
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
