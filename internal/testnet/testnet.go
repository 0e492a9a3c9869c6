// Package testnet holds what tests' in-process servers and connections
// share: the accept loop (every connection handled in its own goroutine,
// all of them joined when the test ends) and a connected pair of sockets.
package testnet

import (
	"net"
	"sync"
	"testing"
	"time"
)

// joinBound is how long the cleanup waits for handlers to return: it says
// "hung", not "slow".
const joinBound = 60 * time.Second

// Serve runs handle for every connection ln accepts, each in its own
// goroutine. At the test's cleanup it closes ln and waits, bounded, for the
// accept loop and every handler. Closing the connections is handle's job.
func Serve(t testing.TB, ln net.Listener, handle func(c net.Conn)) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(joinBound):
			t.Errorf("test server handlers still running %v after the test", joinBound)
		}
	})
}

// Pair returns the two ends of a connection over network (tcp or unix) to
// a listener on addr: ours dialled, peer accepted. Both are closed when
// the test ends.
func Pair(t testing.TB, network, addr string) (ours, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	ours, err = net.DialTimeout(network, ln.Addr().String(), joinBound)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ours.Close() })
	select {
	case peer = <-ch:
	case <-time.After(joinBound):
		t.Fatal("the listener accepted nothing")
	}
	if peer == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { peer.Close() })
	return ours, peer
}
