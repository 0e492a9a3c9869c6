// Package socks speaks SOCKS4, SOCKS4a and SOCKS5 on connections its caller
// owns: as a client it runs the handshake over an already dialed connection
// and hands that same connection back, so half-close, deadlines and the
// kernel's zero-copy paths survive the proxy; as a server it answers one
// accepted client, connects it to its target and relays with half-close.
//
// The handshakes read exactly the bytes each message has and never buffer
// ahead: whatever a peer sends right after its reply or request stays in
// the socket for the relay (ncat before 7.94 lost such bytes).
//
// The SOCKS5 client is golang.org/x/net/proxy's, run over the caller's
// connection with DialWithConn; SOCKS4/4a and the server are written here.
package socks

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// Target is where the proxy is asked to connect: an address when IP is
// valid, otherwise a host name that the proxy resolves (SOCKS4a, SOCKS5
// domain names). Which one to send is the caller's choice (--proxy-dns);
// Resolve makes it the way ncat does.
type Target struct {
	IP   netip.Addr
	Host string
	Port uint16
}

// String is host:port, with brackets around IPv6 addresses.
func (t Target) String() string {
	host := t.Host
	if t.IP.IsValid() {
		host = t.IP.WithZone("").Unmap().String()
	}
	return net.JoinHostPort(host, strconv.Itoa(int(t.Port)))
}

// maxName is the longest host name, user or password the protocols carry:
// SOCKS5 gives each a one-byte length, and SOCKS4's NUL-terminated fields
// are held to the same bound so a peer cannot make us read forever.
const maxName = 255

// sendable returns t as Connect sends it, or why it cannot be sent. A host
// name that is an IP literal is an address: x/net would send it as one
// anyway, and SOCKS4 must agree. x/net takes the target as "host:port", so
// a name must survive that round trip.
func (t Target) sendable() (Target, error) {
	if ip, err := netip.ParseAddr(t.Host); err == nil && !t.IP.IsValid() {
		t = Target{IP: ip, Port: t.Port}
	}
	switch {
	case t.Port == 0:
		return t, fmt.Errorf("target %s: port 0", t)
	case t.IP.IsValid():
		t.IP = t.IP.WithZone("").Unmap()
		return t, nil
	case t.Host == "":
		return t, errors.New("target has neither an address nor a host name")
	case len(t.Host) > maxName:
		return t, fmt.Errorf("target host name is %d bytes long, more than the %d SOCKS can carry", len(t.Host), maxName)
	case indexNUL(t.Host) >= 0:
		return t, fmt.Errorf("target host name %q contains a NUL byte", t.Host)
	}
	if h, _, err := net.SplitHostPort(t.String()); err != nil || h != t.Host {
		return t, fmt.Errorf("target host name %q is not a host name", t.Host)
	}
	return t, nil
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// Auth is a user name and password: RFC 1929 credentials for SOCKS5. SOCKS4
// has no password; its user id is User.
type Auth struct {
	User     string
	Password string
}

// Error is a client handshake that failed. Its text names the proxy and
// what it answered, in one line:
//
//	socks5 proxy 127.0.0.1:1080: connection refused by destination
type Error struct {
	Version int    // 4 or 5
	Proxy   string // the proxy's address
	Err     error
}

func (e *Error) Error() string {
	return fmt.Sprintf("socks%d proxy %s: %v", e.Version, e.Proxy, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

var (
	// ErrRejected matches every ReplyError: the proxy understood the
	// request and refused it.
	ErrRejected = errors.New("request rejected")

	// ErrAuth is an authentication the proxy refused or could not agree on.
	ErrAuth = errors.New("authentication failed")

	// ErrClosed is a proxy that closed the connection before its reply
	// was complete.
	ErrClosed = errors.New("closed the connection before its reply was complete")

	// ErrProtocol is a reply that is not SOCKS as the request's version
	// defines it: a wrong version byte, an unknown address type, a method
	// that was not offered.
	ErrProtocol = errors.New("malformed reply")
)

// ReplyError is a proxy's refusal, with the code it gave. It matches
// ErrRejected.
type ReplyError struct {
	Version int // 4 or 5
	Code    byte
}

func (e *ReplyError) Error() string {
	if e.Version == 4 {
		switch e.Code {
		case rep4Rejected:
			return "request rejected or failed (91)"
		case rep4NoIdentd:
			return "request rejected: the proxy cannot reach identd on the client (92)"
		case rep4BadUser:
			return "request rejected: the user id does not match what identd reports (93)"
		}
		return fmt.Sprintf("request rejected with unknown code (%d)", e.Code)
	}
	if int(e.Code) < len(reply5Text) && e.Code != rep5OK {
		return reply5Text[e.Code]
	}
	return fmt.Sprintf("request rejected with unknown code (%d)", e.Code)
}

func (e *ReplyError) Is(target error) bool { return target == ErrRejected }

// reply5Text is RFC 1928's wording, except that a refusal says whose it
// was: the destination's, passed on by the proxy.
var reply5Text = [...]string{
	rep5OK:              "succeeded",
	rep5Failure:         "general SOCKS server failure",
	rep5NotAllowed:      "connection not allowed by ruleset",
	rep5NetUnreachable:  "network unreachable",
	rep5HostUnreachable: "host unreachable",
	rep5Refused:         "connection refused by destination",
	rep5TTLExpired:      "TTL expired",
	rep5CmdUnsupported:  "command not supported",
	rep5AddrUnsupported: "address type not supported",
}

// versionError is a reply whose version byte is not the one expected: most
// often a proxy of another kind (an HTTP proxy answers 'H', 72).
func versionError(got, want byte, proto int) error {
	return fmt.Errorf("%w: version %d, want %d (is it a SOCKS%d proxy?)", ErrProtocol, got, want, proto)
}
