package dgram_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/dgram"
)

// TestEchoAllocs proves that a session's steady traffic costs next to no
// allocation: a -ulk -e server relays tens of thousands of datagrams a
// second, and a copy, an address or a timer per datagram shows there as
// garbage collection. The round trip below (peer → Listener → session Read,
// session Write → peer) made 32 allocations before the read loop kept its
// buffers, addresses and timer.
func TestEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector defeats sync.Pool on purpose; allocations are measured without -race")
	}
	l, pc := listenUDP(t, "udp4", "127.0.0.1:0", dgram.Options{Expire: time.Minute})
	c := dialUDP(t, pc.LocalAddr())
	msg := pattern(1400, 7)
	send(t, c, msg)
	s := accept(t, l)
	expectRead(t, s, msg)

	buf := make([]byte, 1<<16)
	rbuf := make([]byte, 1<<16)
	var bad error
	allocs := testing.AllocsPerRun(500, func() {
		if _, err := c.Write(msg); err != nil {
			bad = err
			return
		}
		n, err := s.Read(buf)
		if err != nil {
			bad = err
			return
		}
		if _, err := s.Write(buf[:n]); err != nil {
			bad = err
			return
		}
		m, err := c.Read(rbuf)
		if err != nil || !bytes.Equal(rbuf[:m], msg) {
			t.Errorf("echo: %d bytes, %v", m, err)
		}
	})
	if bad != nil {
		t.Fatal(bad)
	}
	// One is the control-message parse of x/net; timers and channel
	// wake-ups may add a stray one.
	if allocs > 2 {
		t.Errorf("a datagram's round trip makes %.1f allocations, want at most 2", allocs)
	}
}
