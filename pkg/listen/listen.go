// Package listen opens gcat's listening sockets: TCP on one address, or, as
// ncat does when no address is given, on every IPv6 and IPv4 address at once
// (two sockets, [::] and 0.0.0.0, on the same port), or a Unix stream socket;
// and the same for datagram sockets (UDP, Unix datagrams).
package listen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/neterr"
)

// Options describe where to listen.
type Options struct {
	// Unix, if set, is the path of a Unix stream socket to create; it is
	// removed again by Close.
	Unix string
	// Host is the address to bind; empty means every address.
	Host string
	// Port 0 lets the kernel choose (the chosen port is in Addrs).
	Port   int
	Family int // 4 or 6 to restrict; 0 for both
	NoDNS  bool
}

// Listener accepts from one or more sockets.
type Listener struct {
	lns   []net.Listener
	conns chan accepted
	once  sync.Once
	done  chan struct{}
	wg    sync.WaitGroup
}

type accepted struct {
	c   net.Conn
	err error
}

// Listen opens the sockets o describes.
func Listen(ctx context.Context, o Options) (*Listener, error) {
	var lc net.ListenConfig
	var lns []net.Listener
	var err error
	if o.Unix != "" {
		ln, err := lc.Listen(ctx, "unix", o.Unix)
		if err != nil {
			return nil, unixError(o.Unix, err)
		}
		lns = []net.Listener{ln}
	} else {
		lns, err = bind(ctx, o, "tcp", func(network, addr string) (net.Listener, error) {
			return lc.Listen(ctx, network, addr)
		}, func(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port })
	}
	if err != nil {
		return nil, err
	}
	return FromListeners(lns), nil
}

// FromListeners accepts from listening sockets opened elsewhere (handed
// over by a service manager, say). The Listener owns them: Close closes
// them.
func FromListeners(lns []net.Listener) *Listener {
	l := &Listener{lns: lns, conns: make(chan accepted), done: make(chan struct{})}
	for _, ln := range lns {
		l.wg.Add(1)
		go l.acceptLoop(ln)
	}
	return l
}

// Addrs returns the bound addresses, in the order they were opened.
func (l *Listener) Addrs() []net.Addr {
	var a []net.Addr
	for _, ln := range l.lns {
		a = append(a, ln.Addr())
	}
	return a
}

// Accept waits for the next connection on any of the sockets.
func (l *Listener) Accept(ctx context.Context) (net.Conn, error) {
	select {
	case a := <-l.conns:
		return a.c, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close closes every socket (removing a Unix socket's file) and waits for
// the accept loops to end.
func (l *Listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		closeAll(l.lns)
	})
	l.wg.Wait()
	return nil
}

func (l *Listener) acceptLoop(ln net.Listener) {
	defer l.wg.Done()
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		// Other failures (EMFILE and the like) go to the caller, which
		// decides whether to go on; this loop waits until it has taken
		// them, so a lasting failure does not spin.
		select {
		case l.conns <- accepted{c, err}:
		case <-l.done:
			if c != nil {
				c.Close()
			}
			return
		}
	}
}

// ListenPacket opens datagram sockets as Listen opens stream sockets: UDP on
// one address or on [::] and 0.0.0.0 together, or a Unix datagram socket
// whose file the returned socket's Close removes.
func ListenPacket(ctx context.Context, o Options) ([]net.PacketConn, error) {
	var lc net.ListenConfig
	if o.Unix != "" {
		if !dial.UnixDatagram {
			return nil, neterr.New(neterr.OpListen, o.Unix, dial.ErrNoUnixDatagram)
		}
		pc, err := lc.ListenPacket(ctx, "unixgram", o.Unix)
		if err != nil {
			return nil, unixError(o.Unix, err)
		}
		return []net.PacketConn{&unlinkOnClose{pc.(*net.UnixConn), o.Unix}}, nil
	}
	return bind(ctx, o, "udp", func(network, addr string) (net.PacketConn, error) {
		return lc.ListenPacket(ctx, network, addr)
	}, func(pc net.PacketConn) int { return pc.LocalAddr().(*net.UDPAddr).Port })
}

// unlinkOnClose is a Unix datagram socket that removes its file when closed,
// as a Unix stream listener does.
type unlinkOnClose struct {
	*net.UnixConn
	path string
}

func (u *unlinkOnClose) Close() error {
	err := u.UnixConn.Close()
	os.Remove(u.path)
	return err
}

// bind opens sockets of the base network ("tcp", "udp") where o says: on
// one address, or, as ncat does when no address is given, on [::] (IPv6
// only) and 0.0.0.0 on the same port. A machine without IPv6 still gets its
// IPv4 socket.
func bind[T io.Closer](ctx context.Context, o Options, base string, listen func(network, addr string) (T, error), portOf func(T) int) ([]T, error) {
	if o.Host == "" && o.Family == 0 {
		var socks []T
		port := o.Port
		s6, err6 := listen(base+"6", net.JoinHostPort("::", strconv.Itoa(port)))
		if err6 == nil {
			socks = append(socks, s6)
			port = portOf(s6)
		}
		s4, err := listen(base+"4", net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
		if err != nil {
			closeAll(socks)
			return nil, neterr.New(neterr.OpListen, net.JoinHostPort("0.0.0.0", strconv.Itoa(port)), err)
		}
		return append(socks, s4), nil
	}
	host := o.Host
	if host == "" {
		host = map[int]string{4: "0.0.0.0", 6: "::"}[o.Family]
	}
	ips, err := dial.Resolve(ctx, host, o.Family, o.NoDNS)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(ips[0].String(), strconv.Itoa(o.Port))
	// The network names the address's family: with plain "tcp" or "udp",
	// Go would serve 0.0.0.0 on a dual-stack [::] socket.
	family := 6
	if ips[0].To4() != nil {
		family = 4
	}
	s, err := listen(dial.Network(base, family), addr)
	if err != nil {
		return nil, neterr.New(neterr.OpListen, addr, err)
	}
	return []T{s}, nil
}

// unixError says why a Unix socket could not be bound at path. A socket
// file that is in the way but that no socket is bound to any more was left
// by a server that died: it is a *neterr.StaleSocketError, for a better
// hint. (Connecting to find out would not do: a live server, listening for
// one connection, would take the probe for its client.)
func unixError(path string, err error) error {
	e := neterr.New(neterr.OpListen, path, err)
	if !errors.Is(err, syscall.EADDRINUSE) {
		return e
	}
	if fi, serr := os.Stat(path); serr != nil || fi.Mode()&os.ModeSocket == 0 {
		return e // not a socket: some other file is in the way
	}
	if bound, known := socketBound(path); known && !bound {
		e.Err = &neterr.StaleSocketError{Path: path}
	}
	return e
}

func closeAll[T io.Closer](socks []T) {
	for _, s := range socks {
		s.Close()
	}
}
