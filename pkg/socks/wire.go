package socks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// Wire constants: the SOCKS4 memo and its 4a extension, RFC 1928, RFC 1929.
const (
	version4 = 4
	version5 = 5

	cmdConnect      = 1
	cmdBind         = 2
	cmdUDPAssociate = 3

	// SOCKS4 reply codes. The reply's version byte is 0, though some
	// proxies send 4; ncat accepts both, and so do we.
	rep4Granted  = 90
	rep4Rejected = 91
	rep4NoIdentd = 92
	rep4BadUser  = 93

	methodNone         = 0
	methodUserPass     = 2
	methodNoAcceptable = 0xff

	userPassVersion = 1
	userPassOK      = 0
	userPassFailed  = 1

	atypIPv4   = 1
	atypDomain = 3
	atypIPv6   = 4

	rep5OK              = 0
	rep5Failure         = 1
	rep5NotAllowed      = 2
	rep5NetUnreachable  = 3
	rep5HostUnreachable = 4
	rep5Refused         = 5
	rep5TTLExpired      = 6
	rep5CmdUnsupported  = 7
	rep5AddrUnsupported = 8
)

// Every parser reads from an io.Reader with io.ReadFull and exact lengths
// (NUL-terminated fields a byte at a time): given the socket itself, it
// consumes the message and not one byte more, so nothing the peer sends
// next is swallowed into a buffer. The fuzz targets hold them to that.

// request is a client's request as the server parsed it.
type request struct {
	cmd    byte
	target Target
	user   string // SOCKS4 user id
}

// errAddrType is a SOCKS5 address type we do not know; its length is then
// unknown too, so the request cannot be read past it.
var errAddrType = errors.New("unknown address type")

// readRequest4 reads a SOCKS4 or SOCKS4a request after its version byte.
func readRequest4(r io.Reader) (request, error) {
	var b [7]byte // command, port, address
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return request{}, fmt.Errorf("read socks4 request: %w", err)
	}
	req := request{cmd: b[0]}
	req.target.Port = binary.BigEndian.Uint16(b[1:3])
	ip := netip.AddrFrom4([4]byte(b[3:7]))
	user, err := readCString(r, "user id")
	if err != nil {
		return request{}, err
	}
	req.user = user
	// SOCKS4a: 0.0.0.x with x nonzero means "the host name follows".
	if b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] != 0 {
		host, err := readCString(r, "host name")
		if err != nil {
			return request{}, err
		}
		if host == "" {
			return request{}, errors.New("read socks4a request: empty host name")
		}
		req.target.Host = host
		return req, nil
	}
	req.target.IP = ip
	return req, nil
}

// readCString reads a NUL-terminated field of at most maxName bytes.
func readCString(r io.Reader, what string) (string, error) {
	var s []byte
	var b [1]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("read socks4 %s: %w", what, err)
		}
		if b[0] == 0 {
			return string(s), nil
		}
		if len(s) == maxName {
			return "", fmt.Errorf("read socks4 %s: longer than %d bytes", what, maxName)
		}
		s = append(s, b[0])
	}
}

// appendRequest4 is the SOCKS4 CONNECT request for t, SOCKS4a when t is a
// host name.
func appendRequest4(b []byte, t Target, user string) ([]byte, error) {
	t, err := t.sendable()
	if err != nil {
		return nil, err
	}
	if len(user) > maxName || indexNUL(user) >= 0 {
		return nil, fmt.Errorf("socks4 user id %q: longer than %d bytes or contains a NUL byte", user, maxName)
	}
	ip := netip.AddrFrom4([4]byte{0, 0, 0, 1}) // SOCKS4a's marker
	if t.IP.IsValid() {
		ip = t.IP
		if !ip.Is4() {
			return nil, fmt.Errorf("target %s: socks4 cannot carry IPv6 addresses", t)
		}
	}
	b = append(b, version4, cmdConnect)
	b = binary.BigEndian.AppendUint16(b, t.Port)
	b = append(b, ip.AsSlice()...)
	b = append(append(b, user...), 0)
	if !t.IP.IsValid() {
		b = append(append(b, t.Host...), 0)
	}
	return b, nil
}

// parseReply4 checks a SOCKS4 reply and returns the address it reports.
func parseReply4(b [8]byte) (netip.AddrPort, error) {
	if b[0] != 0 && b[0] != version4 {
		return netip.AddrPort{}, versionError(b[0], 0, 4)
	}
	if b[1] != rep4Granted {
		return netip.AddrPort{}, &ReplyError{Version: 4, Code: b[1]}
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:4])), nil
}

// appendReply4 is the server's SOCKS4 reply. The address is the bound
// one when it is IPv4, zeros otherwise (clients ignore it for CONNECT).
func appendReply4(b []byte, code byte, bound netip.AddrPort) []byte {
	ip, port := bound.Addr().Unmap(), bound.Port()
	if !ip.Is4() {
		ip, port = netip.IPv4Unspecified(), 0
	}
	b = append(b, 0, code)
	b = binary.BigEndian.AppendUint16(b, port)
	return append(b, ip.AsSlice()...)
}

// readGreeting5 reads the methods a SOCKS5 client offers, after its
// version byte.
func readGreeting5(r io.Reader) ([]byte, error) {
	var n [1]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("read socks5 greeting: %w", err)
	}
	methods := make([]byte, n[0])
	if _, err := io.ReadFull(r, methods); err != nil {
		return nil, fmt.Errorf("read socks5 greeting: %w", err)
	}
	return methods, nil
}

// readUserPass reads an RFC 1929 username/password request.
func readUserPass(r io.Reader) (user, pass string, err error) {
	var b [2]byte // version, user length
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", "", fmt.Errorf("read socks5 username/password: %w", err)
	}
	if b[0] != userPassVersion {
		return "", "", fmt.Errorf("read socks5 username/password: version %d, want %d", b[0], userPassVersion)
	}
	u := make([]byte, int(b[1])+1) // the user, then the password's length
	if _, err := io.ReadFull(r, u); err != nil {
		return "", "", fmt.Errorf("read socks5 username/password: %w", err)
	}
	p := make([]byte, u[len(u)-1])
	if _, err := io.ReadFull(r, p); err != nil {
		return "", "", fmt.Errorf("read socks5 username/password: %w", err)
	}
	return string(u[:len(u)-1]), string(p), nil
}

// readRequest5 reads a SOCKS5 request, version byte included. The reserved
// byte is not checked: it carries nothing, and a lenient server loses
// nothing by ignoring it.
func readRequest5(r io.Reader) (request, error) {
	var b [4]byte // version, command, reserved, address type
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return request{}, fmt.Errorf("read socks5 request: %w", err)
	}
	if b[0] != version5 {
		return request{}, fmt.Errorf("read socks5 request: version %d, want %d", b[0], version5)
	}
	t, err := readAddr5(r, b[3])
	if err != nil {
		return request{}, fmt.Errorf("read socks5 request: %w", err)
	}
	if !t.IP.IsValid() && t.Host == "" {
		return request{}, errors.New("read socks5 request: empty host name")
	}
	return request{cmd: b[1], target: t}, nil
}

// readAddr5 reads a SOCKS5 address of type atyp and its port.
func readAddr5(r io.Reader, atyp byte) (Target, error) {
	var b [16 + 2]byte
	var n int
	switch atyp {
	case atypIPv4:
		n = 4
	case atypIPv6:
		n = 16
	case atypDomain:
		if _, err := io.ReadFull(r, b[:1]); err != nil {
			return Target{}, err
		}
		name := make([]byte, int(b[0])+2)
		if _, err := io.ReadFull(r, name); err != nil {
			return Target{}, err
		}
		return Target{Host: string(name[:len(name)-2]), Port: binary.BigEndian.Uint16(name[len(name)-2:])}, nil
	default:
		return Target{}, fmt.Errorf("%w %d", errAddrType, atyp)
	}
	if _, err := io.ReadFull(r, b[:n+2]); err != nil {
		return Target{}, err
	}
	ip, _ := netip.AddrFromSlice(b[:n])
	return Target{IP: ip, Port: binary.BigEndian.Uint16(b[n : n+2])}, nil
}

// appendAddr5 encodes t as a SOCKS5 address type, address and port.
func appendAddr5(b []byte, t Target) []byte {
	switch ip := t.IP.Unmap(); {
	case ip.Is4():
		b = append(append(b, atypIPv4), ip.AsSlice()...)
	case ip.Is6():
		b = append(append(b, atypIPv6), ip.AsSlice()...)
	default:
		b = append(append(b, atypDomain, byte(len(t.Host))), t.Host...)
	}
	return binary.BigEndian.AppendUint16(b, t.Port)
}

// appendReply5 is the server's SOCKS5 reply carrying the bound address.
func appendReply5(b []byte, code byte, bound netip.AddrPort) []byte {
	ip := bound.Addr()
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	b = append(b, version5, code, 0)
	return appendAddr5(b, Target{IP: ip.WithZone(""), Port: bound.Port()})
}

// readHandshake5 reads what a SOCKS5 proxy answers a client that offered
// username/password authentication or not: the chosen method, the
// authentication's status if any, and the reply. It stops at the first
// byte that decides the outcome, as the client must, so a refusal is
// recognised even when the proxy closes without the address that should
// follow it.
func readHandshake5(r io.Reader, offeredAuth bool) (Target, error) {
	var b [2]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Target{}, err
	}
	if b[0] != version5 {
		return Target{}, versionError(b[0], version5, 5)
	}
	switch {
	case b[1] == methodNone:
	case b[1] == methodUserPass && offeredAuth:
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Target{}, err
		}
		if b[0] != userPassVersion {
			return Target{}, fmt.Errorf("%w: username/password status version %d, want %d", ErrProtocol, b[0], userPassVersion)
		}
		if b[1] != userPassOK {
			return Target{}, fmt.Errorf("%w: the proxy refused the username and password (status %d)", ErrAuth, b[1])
		}
	case b[1] == methodNoAcceptable && offeredAuth:
		return Target{}, fmt.Errorf("%w: the proxy accepts neither no authentication nor username/password", ErrAuth)
	case b[1] == methodNoAcceptable:
		return Target{}, fmt.Errorf("%w: the proxy requires authentication", ErrAuth)
	default:
		return Target{}, fmt.Errorf("%w: the proxy chose authentication method %d, which was not offered", ErrProtocol, b[1])
	}
	return readReply5(r)
}

// readReply5 reads a SOCKS5 reply and returns the bound address.
func readReply5(r io.Reader) (Target, error) {
	var b [2]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Target{}, err
	}
	if b[0] != version5 {
		return Target{}, versionError(b[0], version5, 5)
	}
	if b[1] != rep5OK {
		return Target{}, &ReplyError{Version: 5, Code: b[1]}
	}
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Target{}, err
	}
	if b[0] != 0 {
		// x/net refuses this too; the two parsers must agree.
		return Target{}, fmt.Errorf("%w: nonzero reserved byte %d", ErrProtocol, b[0])
	}
	t, err := readAddr5(r, b[1])
	if errors.Is(err, errAddrType) {
		return Target{}, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return t, err
}
