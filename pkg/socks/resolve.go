package socks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// DNSMode says where a proxy destination's host name is resolved: ncat's
// --proxy-dns. The zero value is ncat's default, DNSRemote.
type DNSMode int

const (
	// DNSRemote sends host names to the proxy (SOCKS4a, SOCKS5 domain).
	DNSRemote DNSMode = iota
	// DNSLocal resolves host names here and fails if that fails.
	DNSLocal
	// DNSBoth resolves here and sends the name to the proxy if that fails.
	DNSBoth
	// DNSNone resolves nothing: the destination must be an IP address.
	DNSNone
)

var dnsModeNames = [...]string{DNSRemote: "remote", DNSLocal: "local", DNSBoth: "both", DNSNone: "none"}

func (m DNSMode) String() string {
	if m >= 0 && int(m) < len(dnsModeNames) {
		return dnsModeNames[m]
	}
	return fmt.Sprintf("DNSMode(%d)", int(m))
}

// ParseDNSMode parses ncat's --proxy-dns values: local, remote, both, none.
func ParseDNSMode(s string) (DNSMode, error) {
	for m, name := range dnsModeNames {
		if s == name {
			return DNSMode(m), nil
		}
	}
	return 0, fmt.Errorf("invalid proxy DNS mode %q (want local, remote, both or none)", s)
}

// Resolver looks names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ResolveOptions are the settings Resolve applies.
type ResolveOptions struct {
	Version int // 4 or 5: SOCKS4 resolves to IPv4 only, as it cannot carry IPv6
	Mode    DNSMode

	// Network restricts local resolution to "ip4" or "ip6" (-4, -6). If
	// empty, any address family is used, the resolver's first answer
	// winning.
	Network string

	// Resolver resolves locally. If nil, net.DefaultResolver is used.
	Resolver Resolver
}

// Resolve makes the Target for host and port under ncat's --proxy-dns
// rules. An IP literal is always sent as an address; a host name is
// resolved here (local), sent to the proxy (remote), resolved here with
// the proxy as fallback (both), or refused (none).
func Resolve(ctx context.Context, host string, port uint16, opt ResolveOptions) (Target, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.WithZone("").Unmap()
		if opt.Version == version4 && !ip.Is4() {
			return Target{}, fmt.Errorf("target %s: socks4 cannot carry IPv6 addresses", host)
		}
		return Target{IP: ip, Port: port}, nil
	}
	switch opt.Mode {
	case DNSRemote:
		return Target{Host: host, Port: port}, nil
	case DNSNone:
		return Target{}, fmt.Errorf("target %q is not an IP address, and proxy DNS mode none resolves no names", host)
	case DNSLocal, DNSBoth:
	default:
		return Target{}, fmt.Errorf("invalid proxy DNS mode %v", opt.Mode)
	}
	ip, err := lookup(ctx, host, opt)
	switch {
	case err == nil:
		return Target{IP: ip, Port: port}, nil
	case opt.Mode == DNSBoth && ctx.Err() == nil:
		return Target{Host: host, Port: port}, nil
	}
	return Target{}, err
}

// lookup resolves host locally to one address the proxy's version can carry.
func lookup(ctx context.Context, host string, opt ResolveOptions) (netip.Addr, error) {
	network := opt.Network
	if network == "" {
		network = "ip"
	}
	if opt.Version == version4 {
		if network == "ip6" {
			return netip.Addr{}, fmt.Errorf("resolve %s locally: socks4 cannot carry IPv6 addresses", host)
		}
		network = "ip4"
	}
	r := opt.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, network, host)
	if err == nil && len(ips) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve %s locally: %w", host, err)
	}
	return ips[0].WithZone("").Unmap(), nil
}
