package broker

import (
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gcat-dev/gcat/pkg/halfclose"
)

// readSize is ncat's DEFAULT_TCP_BUF_LEN. In chat mode every read gets its
// own "<userN> " prefix, so reads must be cut where ncat's are.
const readSize = 8192

// A writer sends at most this much in one writev.
const (
	batchMessages = 64
	batchBytes    = 256 << 10
)

// readBufs lends read buffers only while a read is under way: an idle
// client holds none, which keeps 10,000 of them cheap.
var readBufs = sync.Pool{New: func() any { return new([readSize]byte) }}

// aLongTimeAgo is a deadline in the past: it makes a conn's blocked and
// future reads and writes fail at once, whatever goroutine is in them.
var aLongTimeAgo = time.Unix(1, 0)

// client is one connection. Its reader goroutine (serve) owns the conn
// until it ends; a writer goroutine (writeAll) runs only while the client
// has broadcasts to catch up on. Whichever of the two ends last closes the
// conn, so bytes it was due before it left are still delivered.
type client struct {
	b    *Broker
	conn net.Conn
	id   int  // chat number; set before serve starts, then fixed
	slot int  // index in b.users; guarded by b.mu
	left bool // no longer a member; guarded by b.mu

	mu       sync.Mutex
	pos      *message // the last message sent to it, or skipped as its own
	stop     *message // once it has left: the last message it is due
	own      int64    // bytes of its own messages after pos, which it is not due
	writing  bool     // a writer goroutine is running
	failed   bool     // a write failed: nothing more is written
	dropped  bool     // it fell too far behind: reset, don't close
	readDone bool     // serve has ended
	eof      bool     // pass the local input's EOF on once caught up
	shut     bool     // it has been passed on

	closeOnce sync.Once
	done      chan struct{} // closed with the conn
	aborted   chan struct{} // closed by abort
	abortOnce sync.Once
}

func newClient(b *Broker, conn net.Conn) *client {
	return &client{b: b, conn: conn, done: make(chan struct{}), aborted: make(chan struct{})}
}

// serve passes on what the client sends until its EOF or an error, then
// retires it. ncat closes a client on the first recv that returns 0, so a
// half-close ends the client as a full close does; except with SendOnly,
// where ncat does not read its clients and so never sees their EOF: the
// client stays until aborted (a failed write, a drop, Close).
func (c *client) serve() {
	defer c.b.wg.Done()
	for {
		if waitReadable(c.conn) != nil {
			break
		}
		buf := readBufs.Get().(*[readSize]byte)
		n, err := c.conn.Read(buf[:])
		if n > 0 {
			if c.b.out != nil {
				c.b.out.write(buf[:n])
			} else {
				c.b.received(c, buf[:n])
			}
		}
		readBufs.Put(buf)
		if err == io.EOF && c.b.send && !c.b.relay {
			if c.b.heldAtEOF != nil {
				c.b.heldAtEOF()
			}
			<-c.aborted
		}
		if err != nil {
			break
		}
	}
	c.b.leave(c)
	c.mu.Lock()
	c.readDone = true
	last := !c.writing
	c.mu.Unlock()
	if last {
		c.close()
	}
}

// notify tells member c that m has been broadcast, starting its writer if
// it is idle, and reports whether c has fallen more than max bytes behind.
// b.mu is held, so messages reach every client in one order.
func (c *client) notify(m *message, max int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.failed:
	case c.writing:
		if m.from == c {
			c.own += int64(len(m.data))
		}
		c.dropped = c.lag(m) > max
		return c.dropped
	case m.from == c:
		// An idle client is at the previous tail: step over its own
		// message rather than keep it alive.
		c.pos = m
	default:
		c.writing = true
		c.b.wg.Add(1)
		go c.writeAll()
	}
	return false
}

// behind reports whether c, which has left but is still flushing, has
// fallen more than max bytes behind m. Measuring from the head rather than
// from c.stop bounds what departed clients keep alive, too.
func (c *client) behind(m *message, max int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropped = c.writing && c.lag(m) > max
	return c.dropped
}

// lag is how many bytes c is due between c.pos and m, the newest message.
// c.mu is held.
func (c *client) lag(m *message) int64 {
	return m.end - c.pos.end - c.own
}

// writeAll sends c the messages after c.pos until it is up to date.
func (c *client) writeAll() {
	defer c.b.wg.Done()
	for {
		bufs, last, own := c.pending()
		if last == nil {
			return
		}
		if len(bufs) > 0 {
			if _, err := bufs.WriteTo(c.conn); err != nil {
				c.writeFailed()
				return
			}
		}
		c.mu.Lock()
		c.pos = last
		c.own -= own
		c.mu.Unlock()
		c.b.advanced(last.end)
	}
}

// pending collects a batch of what c is due after c.pos and returns it with
// the last message it covers and the bytes of c's own messages it skips.
// With nothing due it ends the writer (the next broadcast starts a new
// one), closing the conn if the reader is gone too.
func (c *client) pending() (bufs net.Buffers, last *message, own int64) {
	c.mu.Lock()
	size := 0
	for m := c.pos; m != c.stop && len(bufs) < batchMessages && size < batchBytes; {
		if m = m.next.Load(); m == nil {
			break
		}
		last = m
		if m.from == c {
			own += int64(len(m.data))
			continue
		}
		bufs = append(bufs, m.data)
		size += len(m.data)
	}
	if last != nil {
		c.mu.Unlock()
		return bufs, last, own
	}
	c.writing = false
	done := c.readDone
	shut := c.eofDue()
	c.mu.Unlock()
	if shut {
		halfclose.CloseWrite(c.conn)
	}
	if done {
		c.close()
	}
	return nil, nil, 0
}

// endAfterQueue passes the local input's EOF on to c once it has been sent
// what it is due: now if its writer is idle, or when the writer is done.
func (c *client) endAfterQueue() {
	c.mu.Lock()
	c.eof = true
	shut := !c.writing && c.eofDue()
	c.mu.Unlock()
	if shut {
		halfclose.CloseWrite(c.conn)
	}
}

// eofDue reports, once, that c's EOF is to be passed on now. c.mu is held.
func (c *client) eofDue() bool {
	if !c.eof || c.shut || c.failed {
		return false
	}
	c.shut = true
	return true
}

// writeFailed ends the writer after an error. ncat would find the client
// dead on its next read; aborting the reader makes that happen now.
func (c *client) writeFailed() {
	c.mu.Lock()
	c.failed = true
	c.writing = false
	done := c.readDone
	c.mu.Unlock()
	if done {
		c.close()
		return
	}
	c.abort()
}

// abort makes the client's reader and writer fail without waiting for the
// peer; they then retire it as usual. It never blocks on the peer.
func (c *client) abort() {
	c.abortOnce.Do(func() { close(c.aborted) })
	if c.conn.SetDeadline(aLongTimeAgo) != nil {
		c.conn.Close()
	}
}

// close closes the conn: gracefully if the client left or the broker
// closed, so that it gets what the kernel still holds for it; with a reset
// if it was dropped. A graceful close would leave the kernel an orphan
// socket holding up to a send buffer of data for a peer that does not read,
// which Linux may later kill without a word to the peer; the reset tells
// the client at once that it lost data, and frees the buffer. A TLS conn
// is cut below TLS, since a close_notify would wait on the stalled peer.
func (c *client) close() {
	defer c.closeOnce.Do(func() { close(c.done) })
	c.b.forget(c)
	c.mu.Lock()
	dropped := c.dropped
	c.mu.Unlock()
	if !dropped {
		c.conn.Close()
		return
	}
	conn := c.conn
	for {
		if u, ok := conn.(interface{ NetConn() net.Conn }); ok {
			conn = u.NetConn()
			continue
		}
		break
	}
	if l, ok := conn.(interface{ SetLinger(int) error }); ok {
		l.SetLinger(0)
	}
	conn.Close()
}

// name identifies c in log lines: by address, and in chat mode by the
// number the other users know it by.
func (c *client) name() string {
	name := "client"
	if a := c.conn.RemoteAddr(); a != nil {
		name = a.String()
	}
	if c.b.chat {
		name += " (<user" + strconv.Itoa(c.id) + ">)"
	}
	return name
}

// slots is a min-heap of free indexes into Broker.users.
type slots []int

func (h slots) Len() int           { return len(h) }
func (h slots) Less(i, j int) bool { return h[i] < h[j] }
func (h slots) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *slots) Push(x any)        { *h = append(*h, x.(int)) }
func (h *slots) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
