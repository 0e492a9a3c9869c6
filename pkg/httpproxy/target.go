package httpproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
)

// Why a target was refused before or instead of being served.
var (
	// ErrLoop is a request for the proxy itself (403): served, it would
	// connect to the proxy again and again, one connection per round.
	ErrLoop = errors.New("request for the proxy's own address (a loop)")

	// ErrFamily is a target of the address family ServerConfig.Family
	// excludes (504).
	ErrFamily = errors.New("target address family not allowed")
)

// dial connects to addr for the client's request. A failure is answered:
// 403 for the proxy itself, 504 for a target of the wrong family or a dial
// that timed out, 502 otherwise.
func (s *session) dial(ctx context.Context, req *http.Request, addr string) (net.Conn, error) {
	fail := func(code int, err error) (net.Conn, error) {
		if ctx.Err() == nil {
			s.refuse(code)
		}
		return nil, fmt.Errorf("http proxy: %s %s: %w", req.Method, printable(req.RequestURI), err)
	}
	// Literal addresses are judged before any connection is made.
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		if !s.familyAllows(ap.Addr()) {
			return fail(http.StatusGatewayTimeout, ErrFamily)
		}
		if s.isSelf(ap) {
			return fail(http.StatusForbidden, ErrLoop)
		}
	}
	dctx := ctx
	if d := s.cfg.DialTimeout; d > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	c, err := s.cfg.Dial(dctx, s.network(), addr)
	if err != nil {
		var ne net.Error
		var ae *net.AddrError
		switch {
		case s.cfg.Family != 0 && errors.As(err, &ae): // a name without an address of the family
			return fail(http.StatusGatewayTimeout, fmt.Errorf("%w: %w", ErrFamily, err))
		case dctx.Err() != nil || errors.As(err, &ne) && ne.Timeout():
			return fail(http.StatusGatewayTimeout, err)
		}
		return fail(http.StatusBadGateway, err)
	}
	// A name may have led back here.
	if ap, ok := addrPort(c.RemoteAddr()); ok && s.isSelf(ap) {
		c.Close()
		return fail(http.StatusForbidden, ErrLoop)
	}
	s.track(c)
	return c, nil
}

func (s *session) network() string {
	switch s.cfg.Family {
	case 4:
		return "tcp4"
	case 6:
		return "tcp6"
	}
	return "tcp"
}

func (s *session) familyAllows(ip netip.Addr) bool {
	switch s.cfg.Family {
	case 4:
		return ip.Unmap().Is4()
	case 6:
		return !ip.Unmap().Is4()
	}
	return true
}

// isSelf reports whether target is one of the proxy's listening
// addresses.
func (s *session) isSelf(target netip.AddrPort) bool {
	self := s.cfg.Self
	if len(self) == 0 {
		local, ok := addrPort(s.client.LocalAddr())
		if !ok {
			return false
		}
		self = []net.Addr{&net.TCPAddr{IP: net.IPv6unspecified, Port: int(local.Port())}}
	}
	ip := target.Addr().Unmap().WithZone("")
	for _, a := range self {
		ap, ok := addrPort(a)
		if !ok || ap.Port() != target.Port() {
			continue
		}
		if l := ap.Addr().Unmap(); l.IsUnspecified() && isLocal(ip) || l.WithZone("") == ip {
			return true
		}
	}
	return false
}

// isLocal reports whether ip reaches this host: a loopback address, the
// unspecified address (which connect() takes for the host itself), or an
// address of one of its interfaces.
func isLocal(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if local, ok := netip.AddrFromSlice(n.IP); ok && local.Unmap() == ip {
				return true
			}
		}
	}
	return false
}

// addrPort is a TCP address's IP and port.
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort(), true
	case nil:
		return netip.AddrPort{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return ap, err == nil
}
