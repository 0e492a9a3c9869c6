package broker

import (
	"io"
	"sync"
)

// Local input, which both modes send to every client at the pace of the
// fastest, and the -lk hub's parts of the broker (Options.Output,
// EndWithLocal).

// endLocal passes the local input's EOF on to every client, after what it
// is due (EndWithLocal).
func (b *Broker) endLocal() {
	if !b.eof {
		return
	}
	b.mu.Lock()
	b.ended = true
	var users []*client
	for _, c := range b.users {
		if c != nil {
			users = append(users, c)
		}
	}
	b.mu.Unlock()
	for _, c := range users {
		c.endAfterQueue()
	}
}

// advanced records that a client has got to offset end of the stream.
func (b *Broker) advanced(end int64) {
	for {
		lead := b.lead.Load()
		if end <= lead {
			return
		}
		if b.lead.CompareAndSwap(lead, end) {
			break
		}
	}
	b.leadMu.Lock()
	b.leadMoved.Broadcast()
	b.leadMu.Unlock()
}

// waitLead waits until the fastest client is less than a window behind
// the end of the stream, and reports false if the Broker closed instead.
func (b *Broker) waitLead() bool {
	b.leadMu.Lock()
	defer b.leadMu.Unlock()
	for !b.shut.Load() && b.end.Load()-b.lead.Load() >= b.window {
		b.leadMoved.Wait()
	}
	return !b.shut.Load()
}

// output is the hub's local output: whole reads, one at a time.
type output struct {
	mu     sync.Mutex
	w      io.Writer
	err    error
	failed func(error)
}

// write writes p, a client's read, whole. After a failure it discards: the
// failure has been told to whoever ends the hub.
func (o *output) write(p []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return
	}
	if _, err := o.w.Write(p); err != nil {
		o.err = err
		if o.failed != nil {
			o.failed(err)
		}
	}
}

// FromLocal sends what it reads from r to every client, until r's EOF
// (returning nil) or another read error (returned). Like ncat, it reads r
// only while at least one client is connected, and holds what it has read
// until one is; after Close it returns without reading further. Close
// cannot interrupt a Read that is blocked in r. With RecvOnly it returns
// nil at once, leaving r unread.
func (b *Broker) FromLocal(r io.Reader) error {
	if !b.send {
		return nil
	}
	buf := make([]byte, readSize)
	for {
		if !b.waitClient() || !b.waitLead() {
			return nil
		}
		n, err := r.Read(buf)
		if n > 0 {
			if !b.waitClient() {
				return nil
			}
			b.received(nil, buf[:n])
		}
		if err == io.EOF {
			b.endLocal()
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// waitClient waits until there is a client to talk to, and reports false
// if the Broker closed instead.
func (b *Broker) waitClient() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.n == 0 && !b.closed {
		b.joined.Wait()
	}
	return !b.closed
}
