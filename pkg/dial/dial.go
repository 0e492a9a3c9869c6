// Package dial makes gcat's outgoing connections: TCP to a host and port,
// with ncat's address family, source address and port, connect timeout and
// no-DNS options, or a Unix stream socket.
package dial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/gcat-dev/gcat/pkg/neterr"
)

// Options describe the connection to make.
type Options struct {
	// Unix, if set, is the path of a Unix stream socket; Host and Port are
	// then ignored.
	Unix string
	Host string
	Port int
	// Family is 4 or 6 to force an address family; 0 allows both.
	Family int
	// NoDNS refuses host names: Host must be a numeric address (-n).
	NoDNS bool
	// Source and SourcePort bind the local end (-s, -p). Zero values let
	// the kernel choose.
	Source     string
	SourcePort int
	// Timeout bounds the connect (-w). If zero, there is no timeout
	// beyond the kernel's.
	Timeout time.Duration
	// UDP makes a datagram socket: UDP, or with Unix a Unix datagram
	// socket, which is bound to Source (or a temporary path) so that the
	// server can answer; Bound reports that path.
	UDP bool
}

// ErrNoUnixDatagram is the error for a Unix datagram socket where the
// system has none (UnixDatagram is false); it matches
// errors.ErrUnsupported.
var ErrNoUnixDatagram error = noUnixDatagram{}

type noUnixDatagram struct{}

func (noUnixDatagram) Error() string {
	return "Unix datagram sockets are not supported on " + runtime.GOOS
}
func (noUnixDatagram) Is(target error) bool { return target == errors.ErrUnsupported }

// ErrNoDNS is returned when NoDNS is set and a host name would need a lookup.
var ErrNoDNS = errors.New("host names are not allowed with -n")

// Dial connects as o describes. Errors name the target.
func Dial(ctx context.Context, o Options) (net.Conn, error) {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	var d net.Dialer
	if o.Unix != "" && o.UDP {
		return dialUnixgram(o)
	}
	if o.Unix != "" {
		c, err := d.DialContext(ctx, "unix", o.Unix)
		if err != nil {
			return nil, &neterr.Error{Op: neterr.OpConnect, Addr: o.Unix, Err: cause(err, o.Timeout)}
		}
		return c, nil
	}
	base := "tcp"
	if o.UDP {
		base = "udp"
	}
	network := Network(base, o.Family)
	ips, err := Resolve(ctx, o.Host, o.Family, o.NoDNS)
	if err != nil {
		return nil, err
	}
	if err := bindSource(ctx, &d, o); err != nil {
		return nil, err
	}
	var lastErr error
	for _, ip := range ips {
		addr := net.JoinHostPort(ip.String(), strconv.Itoa(o.Port))
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			return c, nil
		}
		lastErr = connectError(addr, err, o)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// bindSource sets the dialer's local address from -s and -p.
func bindSource(ctx context.Context, d *net.Dialer, o Options) error {
	if o.Source == "" && o.SourcePort == 0 {
		return nil
	}
	var src net.IP
	if o.Source != "" {
		sips, err := Resolve(ctx, o.Source, o.Family, o.NoDNS)
		if err != nil {
			return fmt.Errorf("source address: %w", err)
		}
		src = sips[0]
	}
	d.LocalAddr = &net.TCPAddr{IP: src, Port: o.SourcePort}
	if o.UDP {
		d.LocalAddr = &net.UDPAddr{IP: src, Port: o.SourcePort}
	}
	return nil
}

// connectError says why the connect to addr failed. A source address or
// port that cannot be bound (-s, -p) is named as such: the target is not
// at fault.
func connectError(addr string, err error, o Options) error {
	c := cause(err, o.Timeout)
	if o.Source != "" || o.SourcePort != 0 {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" && (errors.Is(c, syscall.EADDRNOTAVAIL) || errors.Is(c, syscall.EADDRINUSE)) {
			return &neterr.Error{Op: "bind to", Addr: net.JoinHostPort(o.Source, strconv.Itoa(o.SourcePort)), Err: c}
		}
	}
	return &neterr.Error{Op: neterr.OpConnect, Addr: addr, Err: c}
}

// dialUnixgram connects a Unix datagram socket bound to o.Source, or to a
// fresh path in the temporary directory: a server can only answer a
// datagram socket that has a name. The caller removes the file (Bound).
func dialUnixgram(o Options) (net.Conn, error) {
	if !UnixDatagram {
		return nil, neterr.New(neterr.OpConnect, o.Unix, ErrNoUnixDatagram)
	}
	local := o.Source
	if local == "" {
		dir, err := os.MkdirTemp("", "gcat.")
		if err != nil {
			return nil, fmt.Errorf("cannot make a socket for replies: %w", err)
		}
		local = filepath.Join(dir, "s")
	}
	c, err := net.DialUnix("unixgram", &net.UnixAddr{Name: local, Net: "unixgram"}, &net.UnixAddr{Name: o.Unix, Net: "unixgram"})
	if err != nil {
		Unbind(local, o.Source == "")
		return nil, neterr.New(neterr.OpConnect, o.Unix, err)
	}
	return c, nil
}

// Bound is the path a Unix datagram client bound for replies, or "".
func Bound(c net.Conn) string {
	if u, ok := c.(*net.UnixConn); ok {
		if a, ok := u.LocalAddr().(*net.UnixAddr); ok && a != nil && a.Net == "unixgram" {
			return a.Name
		}
	}
	return ""
}

// Unbind removes a Unix datagram client's socket file, and the temporary
// directory it was made in when temp is set.
func Unbind(path string, temp bool) {
	os.Remove(path)
	if temp {
		os.Remove(filepath.Dir(path))
	}
}

// Network returns "tcp", "tcp4" or "tcp6" (or the udp forms) for a family.
func Network(base string, family int) string {
	switch family {
	case 4:
		return base + "4"
	case 6:
		return base + "6"
	}
	return base
}

// Resolve returns the addresses of host in the requested family.
func Resolve(ctx context.Context, host string, family int, noDNS bool) ([]net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		if !matches(ip, family) {
			return nil, fmt.Errorf("%s is not an IPv%d address", host, family)
		}
		return []net.IP{ip}, nil
	}
	if noDNS {
		return nil, fmt.Errorf("%q: %w", host, ErrNoDNS)
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) {
			err = &neterr.DNSError{DNSError: de}
		}
		return nil, &neterr.Error{Op: neterr.OpResolve, Addr: host, Err: err}
	}
	var ips []net.IP
	for _, a := range addrs {
		if matches(a.IP, family) {
			ips = append(ips, a.IP)
		}
	}
	if len(ips) == 0 {
		return nil, &neterr.Error{Op: neterr.OpResolve, Addr: host, Err: fmt.Errorf("no IPv%d address", family)}
	}
	return ips, nil
}

func matches(ip net.IP, family int) bool {
	is4 := ip.To4() != nil
	return family == 0 || family == 4 && is4 || family == 6 && !is4
}

// cause is why a connect failed: a timeout says the bound that expired
// (-w), anything else is stripped of Go's wrappers by neterr.Cause.
func cause(err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return &neterr.TimeoutError{After: timeout, Err: err}
	}
	return neterr.Cause(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
