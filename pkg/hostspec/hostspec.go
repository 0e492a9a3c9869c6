// Package hostspec decides whether a peer address matches a list of nmap
// host specifications, the syntax of ncat's --allow, --deny, --allowfile and
// --denyfile.
//
// A specification is one of
//
//	192.0.2.7  2001:db8::7  ::ffff:192.0.2.7    single addresses
//	10.0.0.0/8  fe80::/10  fe80::1%eth0         CIDR prefixes, zones
//	192.168.0-255.1-254  10.0.0.*  10.0.1,3,5.* IPv4 octet ranges and lists
//	10.0.0.-5  10.0.0.250-  10.0.0.-            open-ended octet ranges
//	example.com  example.com/24                 host names, resolved once
//
// Everything is resolved and precomputed by the Parser, so that List.Match,
// which runs for every accepted connection, only does a binary search and a
// few bit tests and never allocates.
//
// Differences from ncat 7.93, all on the side of refusing ambiguous input:
// inet_aton shorthands ("127.1", "0x7f.0.0.1") and octets with leading
// zeros ("10.0.0.010", octal 8 to ncat, decimal 10 inside ncat's ranges) are
// errors; files may carry "#" comments (ncat tries to resolve "#" as a host
// name and quits); IPv6 addresses may carry a zone or brackets.
package hostspec

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Error reports a host specification that cannot be used. Err says why; for
// a host name it wraps the resolver's error.
type Error struct {
	Spec string
	File string // the name given to ParseFile, if the spec came from a file
	Line int    // 1-based line in File
	Err  error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("invalid host spec %q: %v", e.Spec, e.Err)
	if e.File != "" {
		msg = fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Parser turns host specifications into Lists. The zero Parser resolves host
// names with net.DefaultResolver.
type Parser struct {
	// Resolve looks up the addresses of a host name. Every address it
	// returns is added to the list; to honour -4 or -6 as ncat does, drop
	// the other family here. If nil, net.DefaultResolver is used.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)

	// NoDNS makes host names an error instead of resolving them, as ncat
	// does with -n.
	NoDNS bool
}

// Parse parses one specification.
func (p *Parser) Parse(ctx context.Context, spec string) (*List, error) {
	var b builder
	if err := p.add(ctx, &b, spec); err != nil {
		return nil, &Error{Spec: spec, Err: err}
	}
	return b.list(), nil
}

// ParseArg parses the argument of one --allow or --deny option. As in ncat it
// is a comma-separated list of specifications with empty items ignored, so
// an empty argument yields an empty List that, as an allow list, admits nobody.
// Octet lists such as "10.0.1,3.*" therefore only work in files.
func (p *Parser) ParseArg(ctx context.Context, arg string) (*List, error) {
	var b builder
	for spec := range strings.SplitSeq(arg, ",") {
		if spec == "" {
			continue
		}
		if err := p.add(ctx, &b, spec); err != nil {
			if strings.Contains(arg, ",") && strings.Trim(spec, "0123456789.-*") == "" && strings.Count(spec, ".") < 3 {
				err = fmt.Errorf("%w (commas separate hosts here; put octet lists like 10.0.1,3.* in a file)", err)
			}
			return nil, &Error{Spec: spec, Err: err}
		}
	}
	return b.list(), nil
}

// maxLine bounds a line of a host file; ncat's own limit is 1 KiB per spec.
const maxLine = 1 << 20

// ParseFile parses the contents of an --allowfile or --denyfile: specs
// separated by white space, with "#" starting a comment that runs to the end
// of the line. name is only used in error messages. As in ncat, one bad spec
// rejects the whole file, and a file without specs yields an empty List.
func (p *Parser) ParseFile(ctx context.Context, r io.Reader, name string) (*List, error) {
	var b builder
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxLine)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		for _, spec := range strings.Fields(text) {
			if err := p.add(ctx, &b, spec); err != nil {
				return nil, &Error{Spec: spec, File: name, Line: line, Err: err}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b.list(), nil
}

// add parses spec into b. The order of the attempts matters: a numeric
// address must never reach the resolver, where a typo would become a DNS
// query instead of an error.
func (p *Parser) add(ctx context.Context, b *builder, spec string) error {
	host, bits, err := splitMask(spec)
	if err != nil {
		return err
	}
	if inner, ok := strings.CutPrefix(host, "["); ok {
		host, ok = strings.CutSuffix(inner, "]")
		if !ok || !strings.Contains(host, ":") {
			return fmt.Errorf("brackets only enclose IPv6 addresses")
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return b.addAddr(a, bits)
	}
	switch {
	case strings.Contains(host, ":"):
		if strings.ContainsAny(host, "-*,") {
			return fmt.Errorf("IPv6 addresses take no ranges or wildcards; use a prefix such as 2001:db8::/32")
		}
		return fmt.Errorf("not a valid IPv6 address")
	case host != "" && strings.Trim(host, "0123456789.-,*") == "":
		set, err := parseOctets(host)
		if err != nil {
			return err
		}
		if bits > 32 {
			return fmt.Errorf("prefix length /%d is longer than 32 bits", bits)
		}
		if bits >= 0 {
			set.widen(bits)
		}
		b.addOctets(set)
		return nil
	case !validHostname(host):
		return fmt.Errorf("not an IP address, IPv4 range or host name")
	case p.NoDNS:
		return fmt.Errorf("host name given but name resolution is turned off")
	}
	return p.addHost(ctx, b, host, bits)
}

func (p *Parser) addHost(ctx context.Context, b *builder, host string, bits int) error {
	resolve := p.Resolve
	if resolve == nil {
		resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	addrs, err := resolve(ctx, host)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return fmt.Errorf("lookup %s: no addresses", host)
	}
	for _, a := range addrs {
		if !a.IsValid() {
			return fmt.Errorf("lookup %s: resolver returned an invalid address", host)
		}
		if err := b.addAddr(a, bits); err != nil {
			return fmt.Errorf("%s resolves to %v: %w", host, a, err)
		}
	}
	return nil
}

// splitMask splits "host/bits". bits is -1 when there is no suffix. Like ncat
// it reads the number in decimal, leading zeros included ("/024" is /24).
func splitMask(spec string) (host string, bits int, err error) {
	host, suffix, ok := strings.Cut(spec, "/")
	if !ok {
		return spec, -1, nil
	}
	if suffix == "" || len(suffix) > 3 || strings.Trim(suffix, "0123456789") != "" {
		return "", 0, fmt.Errorf("prefix length %q is not a number from 0 to 128", suffix)
	}
	bits, _ = strconv.Atoi(suffix)
	if bits > 128 {
		return "", 0, fmt.Errorf("prefix length /%d is longer than 128 bits", bits)
	}
	return host, bits, nil
}

// validHostname accepts the names a resolver could answer for: dot-separated
// labels of letters, digits, '-' and '_', with an optional final dot. A
// numeric last label is refused because no top-level domain is numeric, and
// it keeps inet_aton forms like 0x7f.0.0.1 away from the resolver.
func validHostname(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	if i := strings.LastIndexByte(host, '.'); strings.Trim(host[i+1:], "0123456789") == "" {
		return false
	}
	for label := range strings.SplitSeq(host, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}
