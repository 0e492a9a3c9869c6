package netcat

import (
	"context"
	"io"
	"net"
	"sync"

	"github.com/gcat-dev/gcat/pkg/halfclose"
)

// hub is -lk without -e, as in ncat: what any client sends goes to stdout,
// and stdin goes to every connected client.
type hub struct {
	r       *runner
	mu      sync.Mutex
	clients map[net.Conn]bool
	inDone  bool       // stdin has ended: new clients get EOF at once
	closed  bool       // the server is ending: no more clients
	outMu   sync.Mutex // keeps each client's chunks whole on stdout
	wg      sync.WaitGroup
}

func (r *runner) listenHub(ctx context.Context, ln acceptor) error {
	r.checkFDLimit(1)
	h := &hub{r: r, clients: map[net.Conn]bool{}}
	io := r.stdio(true)
	go h.broadcast(r.filters.sent(io.in))
	defer h.closeAll()
	for {
		c, err := r.accept(ctx, ln)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if !r.take(c) {
			continue
		}
		// A plain client joins before the next accept, so that what
		// stdin sends from now on reaches it; a TLS client joins once
		// its handshake is done, which must not hold up the others.
		added := false
		if r.serverTLS == nil {
			c = r.filters.received(c)
			added = h.add(c)
		}
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			defer r.release(c.RemoteAddr())
			if r.serverTLS != nil {
				tc, err := r.secure(ctx, c)
				if err != nil {
					r.log.info("Failed SSL connection: %v", err)
					return
				}
				c = r.filters.received(tc)
				added = h.add(c)
			}
			if added {
				h.serve(c, io.out)
			}
		}()
	}
}

// add makes c a client; after closeAll it refuses, since a handshake that
// ends late must not add a client nobody will close.
func (h *hub) add(c net.Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		c.Close()
		return false
	}
	h.clients[c] = true
	if h.inDone && !h.r.cfg.NoShutdown {
		halfclose.CloseWrite(c)
	}
	return true
}

func (h *hub) remove(c net.Conn) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.Close()
}

// serve copies one client to stdout until the client's EOF.
func (h *hub) serve(c net.Conn, out io.Writer) {
	defer h.remove(c)
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			h.outMu.Lock()
			_, werr := out.Write(buf[:n])
			h.outMu.Unlock()
			if werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// broadcast sends stdin to every client; at stdin's EOF it passes the EOF on.
func (h *hub) broadcast(in io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			h.mu.Lock()
			for c := range h.clients {
				if _, werr := c.Write(buf[:n]); werr != nil {
					delete(h.clients, c)
					c.Close()
				}
			}
			h.mu.Unlock()
		}
		if err != nil {
			break
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inDone = true
	if !h.r.cfg.NoShutdown {
		for c := range h.clients {
			halfclose.CloseWrite(c)
		}
	}
}

func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	for c := range h.clients {
		c.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
}
