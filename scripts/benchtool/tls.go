package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sort"
	"time"
)

// tlsClient is the client side of the TLS figures: any certificate is
// taken (the servers under test present a throw-away self-signed one), and
// no session cache is set, so every connection is a full handshake.
var tlsClient = &tls.Config{InsecureSkipVerify: true}

// dial connects to addr over TCP, or over TLS with -tls (handshake done).
func dial(addr string, deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline}
	if !*useTLS {
		return d.Dial("tcp", addr)
	}
	return (&tls.Dialer{NetDialer: &d, Config: tlsClient}).Dial("tcp", addr)
}

// tlsConns is conns over TLS: n sequential connections, each a full
// handshake, then want\n and EOF. It prints "CONN_PER_S HANDSHAKE_MS
// CONN_MS CLIENT_CPU_MS": the rate, the median handshake (TCP connect to
// the handshake's end, as the client sees it), the median whole connection
// (connect to EOF), and this client's own CPU time per connection (user +
// system), so that what the server does can be told from what the client
// costs.
func tlsConns(addr string, n int, want string, deadline time.Time) (string, error) {
	want += "\n"
	hs := make([]time.Duration, 0, n)
	whole := make([]time.Duration, 0, n)
	cpu0 := cpuTime()
	start := time.Now()
	for i := 0; i < n; i++ {
		t0 := time.Now()
		raw, err := net.DialTimeout("tcp", addr, time.Until(deadline))
		if err != nil {
			return "", fmt.Errorf("connection %d: %v", i, err)
		}
		raw.SetDeadline(deadline)
		c := tls.Client(raw, tlsClient)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		err = c.HandshakeContext(ctx)
		cancel()
		if err != nil {
			raw.Close()
			return "", fmt.Errorf("connection %d: handshake: %v", i, err)
		}
		t1 := time.Now()
		got, err := io.ReadAll(c)
		c.Close()
		if err == io.ErrUnexpectedEOF && string(got) == want {
			err = nil // closed without close_notify: the answer is whole
		}
		if err != nil || string(got) != want {
			return "", fmt.Errorf("connection %d: got %q, %v", i, got, err)
		}
		hs = append(hs, t1.Sub(t0))
		whole = append(whole, time.Since(t0))
	}
	secs := time.Since(start).Seconds()
	cpu := cpuTime() - cpu0
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	return fmt.Sprintf("%.0f %.2f %.2f %.2f", float64(n)/secs, ms(medianDur(hs)), ms(medianDur(whole)),
		ms(cpu)/float64(n)), nil
}

func medianDur(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}
