// Package broker relays between many clients as ncat's --broker and --chat
// modes do: what one client sends reaches every other client, and what gcat
// reads locally reaches them all. With Options.Output it is the -lk hub
// instead: what clients send goes to the local output, and local input to
// every client. Either way one shared, bounded queue carries the fan-out:
// no client can stall another.
//
// It reproduces ncat 7.93's observable behaviour (measured with the real
// binary; see the tests and testdata/) without its limits: ncat serves its
// clients from one select() loop, so it aborts at fd 1024 and one client
// that stops reading blocks everyone. Here each client has a reader
// goroutine, and a writer goroutine only while it has something to send;
// a client that falls too far behind is dropped instead.
//
// What ncat does, and so what this package does:
//   - a client's bytes go to every other client, never back to the sender;
//   - nothing is written to gcat's stdout;
//   - local input is read only while at least one client is connected
//     (ncat takes stdin out of its select set when the last client leaves),
//     so bytes typed while nobody is there reach the next client to join,
//     and a client never receives anything sent before it joined;
//   - local EOF changes nothing: clients keep talking, and new ones can join;
//   - a client's EOF (even a half-close, shutdown(SHUT_WR)) ends it: ncat
//     closes the socket as soon as recv returns 0.
//
// With --send-only and --recv-only (Options.SendOnly, Options.RecvOnly),
// ncat 7.93 does this, measured with Python clients:
//   - --send-only: local input goes to every client; what clients send
//     goes to no one. ncat does not read its clients at all, so a client
//     that half-closes stays and keeps receiving, until a write to it fails.
//     In --chat mode joins are announced, but ncat's "already connected"
//     list then always says "nobody" (it lists the clients it reads); gcat
//     lists them.
//   - --recv-only: nothing goes to any client, neither local input (ncat
//     closes its stdin unread: a writer to it gets EPIPE) nor other
//     clients' data nor, in --chat mode, announcements. Clients are read
//     and their data dropped, and a client's EOF ends it.
package broker

import (
	"container/heap"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// DefaultMaxQueue is how far, in bytes, a client may fall behind the
// broadcast before it is dropped, when Options.MaxQueue is zero. The
// queued bytes are shared by all clients (see message), so this bounds the
// broker's memory as a whole, not per client.
const DefaultMaxQueue = 1 << 20

// defaultFirstUser is ncat's fd for its first client when it listens on
// both :: and 0.0.0.0: fds 0-2 are stdio, 3 and 4 the listening sockets.
const defaultFirstUser = 5

// Options configures a Broker. The zero value is ncat's --broker.
type Options struct {
	// Chat formats traffic as ncat's --chat does: each read from a client is
	// prefixed with "<userN> " and its control bytes escaped, and joins and
	// leaves are announced to everyone.
	Chat bool

	// FirstUser is the N of the first chat client. ncat's N is the client's
	// file descriptor, lowest free first, so its first client is 3 plus the
	// number of listening sockets: 5 when ncat listens on both :: and
	// 0.0.0.0 (no address given), 4 with one address. Later clients take the
	// lowest free number, as fds are reused. If zero, 5 is used.
	FirstUser int

	// MaxQueue is how many bytes a client may fall behind the broadcast
	// stream before it is dropped. If zero or negative, DefaultMaxQueue.
	MaxQueue int

	// Logf reports dropped clients. If nil, nothing is logged.
	Logf func(format string, args ...any)

	// Output, if set, makes the Broker the -lk hub: what a client sends
	// goes to Output, one whole read at a time, instead of to the other
	// clients. A failed write is told to OutputFailed, once, and what
	// clients send after it is discarded.
	Output       io.Writer
	OutputFailed func(error)

	// EndWithLocal passes the local input's EOF on to every client
	// (CloseWrite, after everything it is due), and to those that join
	// later, at once: the hub's half-close. ncat's broker does not.
	EndWithLocal bool

	// SendOnly is --send-only: local input goes to every client, and what
	// clients send is read and dropped instead of relayed. A client's EOF
	// then does not end it: it keeps receiving until a write to it fails
	// or the Broker closes, so "nc host port </dev/null" can listen.
	SendOnly bool

	// RecvOnly is --recv-only: nothing is sent to any client. FromLocal
	// returns at once without reading, clients' data is dropped, and chat
	// announcements are not made. It overrides SendOnly.
	RecvOnly bool
}

// Broker relays between the clients given to Add. Its methods are safe for
// concurrent use.
type Broker struct {
	chat      bool
	relay     bool // clients' data goes to the other clients
	send      bool // anything at all goes to clients
	firstUser int
	maxQueue  int64
	logf      func(format string, args ...any)

	mu      sync.Mutex
	joined  sync.Cond            // signalled when a client joins or the broker closes
	users   []*client            // members, at index id-firstUser; nil where free
	free    slots                // free indexes below len(users), lowest first
	n       int                  // members
	leaving map[*client]struct{} // removed, still flushing what they were due
	tail    *message             // the last message broadcast
	closed  bool
	ended   bool           // the local input has ended (with EndWithLocal)
	wg      sync.WaitGroup // readers and writers

	out *output // hub mode; nil for a broker
	eof bool    // Options.EndWithLocal

	// lead is the furthest any client has got in the broadcast stream.
	// Local input is read only while the stream's end is less than a
	// window ahead of it: a local input faster than every client waits
	// for the fastest, instead of running ahead until all are dropped.
	lead      atomic.Int64
	end       atomic.Int64 // the stream's end: b.tail.end, readable without b.mu
	shut      atomic.Bool  // b.closed, readable without b.mu
	leadMu    sync.Mutex   // after b.mu, when both are taken
	leadMoved sync.Cond
	window    int64

	heldAtEOF func() // tests: called when a SendOnly client's reader stops at its EOF
}

// message is one broadcast. Messages form a singly linked list that every
// client walks at its own pace, so a message is stored once whatever the
// number of recipients, and is garbage as soon as the slowest client has
// passed it. data is never modified after publication.
type message struct {
	data []byte
	from *client // the sender, who must not get it back; nil for local input and announcements
	end  int64   // offset in the broadcast stream just past data
	next atomic.Pointer[message]
}

// New returns a Broker with no clients.
func New(opt Options) *Broker {
	b := &Broker{
		chat:      opt.Chat,
		relay:     !opt.SendOnly && !opt.RecvOnly,
		send:      !opt.RecvOnly,
		firstUser: opt.FirstUser,
		maxQueue:  int64(opt.MaxQueue),
		logf:      opt.Logf,
		leaving:   map[*client]struct{}{},
		tail:      &message{},
	}
	if b.firstUser == 0 {
		b.firstUser = defaultFirstUser
	}
	if b.maxQueue <= 0 {
		b.maxQueue = DefaultMaxQueue
	}
	if b.logf == nil {
		b.logf = func(string, ...any) {}
	}
	if opt.Output != nil {
		b.out = &output{w: opt.Output, failed: opt.OutputFailed}
	}
	b.eof = opt.EndWithLocal
	b.joined.L = &b.mu
	b.leadMoved.L = &b.leadMu
	b.window = min(b.maxQueue/4, batchBytes)
	return b
}

// Add makes c a client and returns at once; the Broker owns c from now on
// and closes it when the client leaves or the Broker closes. The channel
// returned is closed then. Accepting, connection limits, access control and
// TLS are the caller's: Add takes whatever it is given.
func (b *Broker) Add(c net.Conn) <-chan struct{} {
	cl := newClient(b, c)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		cl.close()
		return cl.done
	}
	cl.slot = b.join(cl)
	cl.id = b.firstUser + cl.slot
	// A newcomer starts at the end of the stream: ncat sends it nothing
	// from before it joined.
	cl.pos = b.tail
	b.advanced(b.tail.end)
	b.wg.Add(1)
	var dropped []*client
	if b.chat && b.send {
		dropped = b.publish(nil, connectNotice(cl, b.users))
	}
	b.joined.Broadcast()
	ended := b.ended
	b.mu.Unlock()
	b.reap(dropped)
	if ended {
		cl.endAfterQueue() // nothing is queued for a newcomer: EOF now
	}
	go cl.serve()
	return cl.done
}

// join gives c the lowest free slot, as the kernel gives the lowest free fd.
func (b *Broker) join(c *client) int {
	b.n++
	if b.free.Len() > 0 {
		i := heap.Pop(&b.free).(int)
		b.users[i] = c
		return i
	}
	b.users = append(b.users, c)
	return len(b.users) - 1
}

// Len returns the number of clients. A client that has left but is still
// being sent what was broadcast before it left is not counted.
func (b *Broker) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Close disconnects every client, without announcing it, and returns once
// all of the Broker's goroutines have ended. Bytes not yet written to a
// client are discarded.
func (b *Broker) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		b.shut.Store(true)
		b.joined.Broadcast()
		b.leadMu.Lock()
		b.leadMoved.Broadcast()
		b.leadMu.Unlock()
		for _, c := range b.users {
			if c != nil {
				c.abort()
			}
		}
		for c := range b.leaving {
			c.abort()
		}
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// received broadcasts p, just read from c (or from the local input if c is
// nil). p is copied, since the caller reuses it.
func (b *Broker) received(c *client, p []byte) {
	if c != nil && !b.relay || !b.send {
		return
	}
	var data []byte
	switch {
	case !b.chat:
		data = append([]byte(nil), p...)
	case c == nil:
		data = chatMessage(localUser, p)
	default:
		data = chatMessage(c.id, p)
	}
	b.mu.Lock()
	var dropped []*client
	// A client dropped while its read was under way has been announced
	// as gone; what it said after that is not passed on.
	if c == nil || !c.left {
		dropped = b.publish(c, data)
	}
	b.mu.Unlock()
	b.reap(dropped)
}

// leave removes c once its reader has ended, announcing it in chat mode.
func (b *Broker) leave(c *client) {
	b.mu.Lock()
	var dropped []*client
	if !c.left {
		b.remove(c)
		if b.chat && b.send {
			dropped = b.publish(nil, disconnectNotice(c.id))
		}
	}
	b.mu.Unlock()
	b.reap(dropped)
}

// remove takes c out of the members. Its number is free again at once, as
// ncat's fd is once closed; it still gets what was broadcast before now.
// b.mu is held.
func (b *Broker) remove(c *client) {
	c.left = true
	b.users[c.slot] = nil
	heap.Push(&b.free, c.slot)
	b.n--
	c.mu.Lock()
	c.stop = b.tail
	if c.writing {
		b.leaving[c] = struct{}{}
	}
	c.mu.Unlock()
}

// forget drops the Broker's last reference to c, whose conn is closing.
func (b *Broker) forget(c *client) {
	b.mu.Lock()
	delete(b.leaving, c)
	b.mu.Unlock()
}

// publish appends data to the broadcast stream and wakes the clients it is
// for. It never blocks on a client: those that have fallen more than
// maxQueue bytes behind are removed (and announced, in chat mode) and
// returned, for the caller to reap once b.mu is released. b.mu is held.
func (b *Broker) publish(from *client, data []byte) (dropped []*client) {
	for len(data) > 0 && !b.closed {
		m := &message{data: data, from: from, end: b.tail.end + int64(len(data))}
		b.tail.next.Store(m)
		b.tail = m
		b.end.Store(m.end)
		var late []*client
		for _, c := range b.users {
			if c != nil && c.notify(m, b.maxQueue) {
				late = append(late, c)
			}
		}
		for c := range b.leaving {
			if c.behind(m, b.maxQueue) {
				delete(b.leaving, c)
				dropped = append(dropped, c)
			}
		}
		data, from = nil, nil
		for _, c := range late {
			b.remove(c)
			delete(b.leaving, c) // reap aborts it: nothing more to flush
			dropped = append(dropped, c)
			if b.chat {
				// Announced in the same breath, so the next round may
				// drop further clients that cannot take the notice.
				data = append(data, disconnectNotice(c.id)...)
			}
		}
	}
	return dropped
}

// reap logs and disconnects clients that publish dropped. b.mu is not held.
func (b *Broker) reap(dropped []*client) {
	for _, c := range dropped {
		b.logf("dropped %s: more than %d bytes waiting for it", c.name(), b.maxQueue)
		c.abort()
	}
}
