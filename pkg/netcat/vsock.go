package netcat

import (
	"context"
	"net"

	"github.com/gcat-dev/gcat/pkg/vsock"
)

// vsockListener adapts a vsock listener to server.Listener.
type vsockListener struct {
	ln *vsock.Listener
}

func listenVsock(host string, port int) (*vsockListener, error) {
	cid := uint32(vsock.CIDAny)
	if host != "" {
		c, err := vsock.ParseCID(host)
		if err != nil {
			return nil, err
		}
		cid = c
	}
	ln, err := vsock.Listen(cid, uint32(port))
	if err != nil {
		return nil, err
	}
	return &vsockListener{ln: ln}, nil
}

func (v *vsockListener) Accept(ctx context.Context) (net.Conn, error) {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := v.ln.Accept()
		ch <- res{c, err}
	}()
	select {
	case a := <-ch:
		return a.c, a.err
	case <-ctx.Done():
		v.ln.Close()
		if a := <-ch; a.c != nil {
			a.c.Close()
		}
		return nil, ctx.Err()
	}
}

func (v *vsockListener) Addrs() []net.Addr { return []net.Addr{v.ln.Addr()} }
func (v *vsockListener) Close() error      { return v.ln.Close() }

func (r *runner) dialVsock(ctx context.Context) (net.Conn, error) {
	cid, err := vsock.ParseCID(r.cfg.Host)
	if err != nil {
		return nil, err
	}
	if r.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.cfg.ConnectTimeout)
		defer cancel()
	}
	return vsock.Dial(ctx, cid, uint32(r.cfg.Port))
}
