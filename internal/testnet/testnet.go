// Package testnet holds the accept loop that tests' in-process servers
// share: every connection handled in its own goroutine, all of them joined
// when the test ends.
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
