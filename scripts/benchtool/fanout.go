package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fanout holds n clients on a broker at addr, then has one client after
// another send a message and times its arrival at every other client. It
// prints "held N p50 P50_MS p99 P99_MS all ALL_MS": the clients held, the
// per-recipient delivery latency and the median time for a message to reach
// everyone. With hold, it then keeps the clients connected until stdin
// ends (so the caller can read the server's memory).
func fanout(addr string, n, rounds int, hold bool, deadline time.Time) (string, error) {
	if n < 2 {
		return "", fmt.Errorf("need at least 2 clients, got %d", n)
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
		if err != nil {
			return "", fmt.Errorf("held %d, then: %v", i, err)
		}
		c.SetDeadline(deadline)
		conns = append(conns, c)
	}
	// arrivals[r][i] is when client i saw message r.
	arrivals := make([][]time.Time, rounds)
	for r := range arrivals {
		arrivals[r] = make([]time.Time, n)
	}
	var mu sync.Mutex
	synced := make([]bool, n)
	nsynced := 0
	allSynced := make(chan struct{})
	got := make(chan struct{}, n*rounds+n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := bufio.NewScanner(c)
			for s.Scan() {
				now := time.Now()
				line := s.Text()
				switch {
				case strings.HasPrefix(line, "s"):
					mu.Lock()
					if !synced[i] {
						synced[i] = true
						if nsynced++; nsynced == n-1 {
							close(allSynced)
						}
					}
					mu.Unlock()
				case strings.HasPrefix(line, "m"):
					r, err := strconv.Atoi(line[1:])
					if err == nil && r >= 0 && r < rounds {
						mu.Lock()
						arrivals[r][i] = now
						mu.Unlock()
						got <- struct{}{}
					}
				}
			}
		}()
	}
	// The broker may still be adding the last clients it accepted: client
	// 0 says "s" until every other one has heard it.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for k := 0; ; k++ {
		if _, err := fmt.Fprintf(conns[0], "s%d\n", k); err != nil {
			return "", err
		}
		select {
		case <-allSynced:
		case <-tick.C:
			if time.Now().After(deadline) {
				return "", fmt.Errorf("only %d of %d clients hear the broker", nsynced, n-1)
			}
			continue
		}
		break
	}
	var lat []time.Duration
	var all []time.Duration
	for r := 0; r < rounds; r++ {
		from := (r * 7919) % n // spread the senders
		t0 := time.Now()
		if _, err := fmt.Fprintf(conns[from], "m%d\n", r); err != nil {
			return "", err
		}
		for k := 0; k < n-1; k++ {
			select {
			case <-got:
			case <-time.After(time.Until(deadline)):
				return "", fmt.Errorf("round %d: only %d of %d clients got the message", r, k, n-1)
			}
		}
		mu.Lock()
		var last time.Duration
		for i, at := range arrivals[r] {
			if i == from {
				continue
			}
			d := at.Sub(t0)
			lat = append(lat, d)
			last = max(last, d)
		}
		mu.Unlock()
		all = append(all, last)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	out := fmt.Sprintf("held %d p50 %.2f p99 %.2f all %.2f", n, ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), ms(all[len(all)/2]))
	if hold {
		fmt.Println(out)
		os.Stdout.Sync()
		buf := make([]byte, 1)
		os.Stdin.Read(buf) // until the caller is done measuring
	}
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	return out, nil
}
