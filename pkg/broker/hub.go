package broker

import (
	"io"
	"sync"
)

// The -lk hub's parts of the broker (Options.Output, EndWithLocal), and the
// pace of local input, which both modes share.

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
