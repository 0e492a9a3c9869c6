// Package listen opens gcat's listening sockets: TCP on one address, or, as
// ncat does when no address is given, on every IPv6 and IPv4 address at once
// (two sockets, [::] and 0.0.0.0, on the same port), or a Unix stream socket.
package listen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gcat-dev/gcat/pkg/dial"
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
	switch {
	case o.Unix != "":
		ln, err := lc.Listen(ctx, "unix", o.Unix)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", o.Unix, dial.Reason(err))
		}
		lns = append(lns, ln)
	case o.Host == "" && o.Family == 0:
		// ncat's default: [::] (IPv6 only) and 0.0.0.0 on the same port.
		// A machine without IPv6 still gets its IPv4 socket.
		port := o.Port
		ln6, err6 := lc.Listen(ctx, "tcp6", net.JoinHostPort("::", strconv.Itoa(port)))
		if err6 == nil {
			lns = append(lns, ln6)
			port = ln6.Addr().(*net.TCPAddr).Port
		}
		ln4, err := lc.Listen(ctx, "tcp4", net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
		if err != nil {
			closeAll(lns)
			return nil, fmt.Errorf("listen on 0.0.0.0:%d: %w", port, dial.Reason(err))
		}
		lns = append(lns, ln4)
	default:
		host := o.Host
		if host == "" {
			host = map[int]string{4: "0.0.0.0", 6: "::"}[o.Family]
		}
		ips, err := dial.Resolve(ctx, host, o.Family, o.NoDNS)
		if err != nil {
			return nil, err
		}
		addr := net.JoinHostPort(ips[0].String(), strconv.Itoa(o.Port))
		ln, err := lc.Listen(ctx, dial.Network("tcp", o.Family), addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, dial.Reason(err))
		}
		lns = append(lns, ln)
	}
	l := &Listener{lns: lns, conns: make(chan accepted), done: make(chan struct{})}
	for _, ln := range lns {
		l.wg.Add(1)
		go l.acceptLoop(ln)
	}
	return l, nil
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
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE and the like: report, pause so a lasting
			// failure does not spin, and keep serving.
			time.Sleep(50 * time.Millisecond)
		}
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

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}
