package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync/atomic"
	"time"
)

// The UDP figures send numbered records: an 8-byte magic, an 8-byte
// sequence number (big-endian), then filler up to the record size. A tool
// under test relays them as datagrams, or writes them to its stdout (a
// pipe, where datagram boundaries are lost but every record keeps its
// size), so a record can be found again in either.
var udpMagic = []byte("gcatUDP1")

const udpHeader = 16

func record(b []byte, seq uint64) {
	copy(b, udpMagic)
	binary.BigEndian.PutUint64(b[8:], seq)
}

// seqset counts distinct sequence numbers and duplicates.
type seqset struct {
	bits     []uint64
	distinct int64
	dups     int64
}

func (s *seqset) add(seq uint64) {
	w := seq / 64
	if w > 1<<24 { // a corrupt number, not a record of this run
		return
	}
	for uint64(len(s.bits)) <= w {
		s.bits = append(s.bits, 0)
	}
	if s.bits[w]&(1<<(seq%64)) != 0 {
		s.dups++
		return
	}
	s.bits[w] |= 1 << (seq % 64)
	s.distinct++
}

// records splits a stream of records of the given size that may have lost
// pieces: it returns the sequence numbers of the whole records at the start
// of b, the bytes it skipped to find a magic again, and what is left over
// (the start of a record still to come).
func records(b []byte, size int, seqs func(uint64)) (skipped int, rest []byte) {
	i := 0
	for len(b)-i >= size {
		if bytes.Equal(b[i:i+8], udpMagic) {
			seqs(binary.BigEndian.Uint64(b[i+8:]))
			i += size
			continue
		}
		j := bytes.Index(b[i+1:], udpMagic)
		if j < 0 {
			// Keep a tail that may be the start of a magic.
			k := max(i, len(b)-len(udpMagic)+1)
			skipped += k - i
			return skipped, b[k:]
		}
		skipped += j + 1
		i += j + 1
	}
	return skipped, b[i:]
}

// udpSend sends n records of size bytes to addr as datagrams, rate a
// second (0: as fast as the socket takes them). It prints "SENT ERRORS
// START_NS END_NS" (Unix times, so that a udpsink in another process can
// be set against them). Send errors (a refused port while the listener is
// not up, a full buffer) are counted, not fatal.
func udpSend(addr string, n int64, rate float64, size int, deadline time.Time) (string, error) {
	if size < udpHeader {
		return "", fmt.Errorf("record size %d < %d", size, udpHeader)
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetWriteDeadline(deadline)
	b := make([]byte, size)
	(&pattern{2}).Read(b)
	var sent, errs int64
	start := time.Now()
	for i := int64(0); i < n; i++ {
		if rate > 0 {
			// Pace against the start, not the previous datagram, so the
			// sleeps' overshoot is caught up and the mean rate is exact.
			if d := time.Until(start.Add(time.Duration(float64(i) / rate * 1e9))); d > 0 {
				time.Sleep(d)
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("timeout after %d datagrams", i)
		}
		record(b, uint64(i))
		if _, err := c.Write(b); err != nil {
			errs++
			continue
		}
		sent++
	}
	end := time.Now()
	return fmt.Sprintf("%d %d %d %d", sent, errs, start.UnixNano(), end.UnixNano()), nil
}

// udpSink counts the records of size bytes on stdin (a UDP listener's
// output) until stdin ends, or until nothing has come for quiet once
// something has (a listener never ends by itself). It prints "RECORDS
// DISTINCT DUPLICATES BYTES FIRST_NS LAST_NS SKIPPED": the whole records,
// how many different sequence numbers they carry, the bytes read, the Unix
// times of the first and last read, and bytes that were not part of a
// whole record.
func udpSink(size int, quiet time.Duration, deadline time.Time) (string, error) {
	type chunk struct {
		b   []byte
		err error
	}
	ch := make(chan chunk, 64)
	go func() {
		for {
			b := make([]byte, 256<<10)
			n, err := os.Stdin.Read(b)
			ch <- chunk{b[:n], err}
			if err != nil {
				return
			}
		}
	}()
	var set seqset
	var recs, total int64
	var skipped int
	var first, last time.Time
	var rest []byte
	count := func(seq uint64) { recs++; set.add(seq) }
	wait := time.Until(deadline)
	for {
		var c chunk
		select {
		case c = <-ch:
		case <-time.After(wait):
			if first.IsZero() {
				return "", errors.New("timeout: nothing received")
			}
			return sinkResult(recs, &set, total, first, last, skipped+len(rest)), nil
		}
		if len(c.b) > 0 {
			last = time.Now()
			if first.IsZero() {
				first = last
			}
			total += int64(len(c.b))
			var s int
			s, rest = records(append(rest, c.b...), size, count)
			skipped += s
		}
		if c.err != nil {
			if c.err != io.EOF {
				return "", c.err
			}
			return sinkResult(recs, &set, total, first, last, skipped+len(rest)), nil
		}
		if !first.IsZero() {
			wait = quiet
		}
		wait = min(wait, time.Until(deadline))
	}
}

func sinkResult(recs int64, set *seqset, total int64, first, last time.Time, skipped int) string {
	return fmt.Sprintf("%d %d %d %d %d %d %d", recs, set.distinct, set.dups, total,
		first.UnixNano(), last.UnixNano(), skipped)
}

// udpRecv is the receiver for a tool's UDP client: it binds addr and
// counts datagrams and bytes until nothing has come for quiet once
// something has. It prints "DATAGRAMS BYTES FIRST_NS LAST_NS". It is ready
// when the socket is bound (before it prints anything, so a script can
// wait for the port with ss -lun).
func udpRecv(addr string, quiet time.Duration, deadline time.Time) (string, error) {
	la, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return "", err
	}
	c, err := net.ListenUDP("udp", la)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetReadBuffer(4 << 20) // the figure is the sender's, not this reader's
	b := make([]byte, 1<<16)
	var n, total int64
	var first, last time.Time
	c.SetReadDeadline(deadline)
	for {
		m, err := c.Read(b)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if first.IsZero() {
					return "", errors.New("timeout: nothing received")
				}
				break
			}
			return "", err
		}
		last = time.Now()
		if first.IsZero() {
			first = last
		}
		n++
		total += int64(m)
		c.SetReadDeadline(minTime(deadline, last.Add(quiet)))
	}
	return fmt.Sprintf("%d %d %d %d", n, total, first.UnixNano(), last.UnixNano()), nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// udpEcho sends n records of size bytes to an echo server at addr, at most
// window of them unanswered at a time; an echo that has not come back after
// lost is given up, which frees its place in the window. A reply may hold
// several records or part of one (a child such as cat reads and writes a
// pipe, not datagrams), so replies are read as a stream of records. It
// prints "ECHOED_PCT DATAGRAMS_PER_S MEDIAN_US P99_US": the share of
// records echoed, echoed records a second from the first send to the last
// echo, and the round-trip times of the echoed ones.
func udpEcho(addr string, n int64, size, window int, lost time.Duration, deadline time.Time) (string, error) {
	if size < udpHeader || window < 1 || n < 1 {
		return "", errors.New("need size >= 16, window >= 1, n >= 1")
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	const (
		unsent = iota
		waiting
		echoed
		given
	)
	state := make([]atomic.Int32, n)
	sentAt := make([]atomic.Int64, n)
	rtts := make([]time.Duration, 0, n)
	done := make(chan struct{}, window)
	var lastEcho atomic.Int64
	recvDone := make(chan error, 1)
	go func() {
		b := make([]byte, 1<<16)
		var rest []byte
		got := func(seq uint64) {
			if seq >= uint64(n) || !state[seq].CompareAndSwap(waiting, echoed) {
				return
			}
			now := time.Now().UnixNano()
			rtts = append(rtts, time.Duration(now-sentAt[seq].Load()))
			lastEcho.Store(now)
			done <- struct{}{}
		}
		for {
			m, err := c.Read(b)
			if err != nil {
				recvDone <- err
				return
			}
			_, rest = records(append(rest, b[:m]...), size, got)
		}
	}()
	b := make([]byte, size)
	(&pattern{3}).Read(b)
	var next, oldest int64
	outstanding := 0
	start := time.Now()
	timer := time.NewTimer(lost)
	defer timer.Stop()
	for next < n || outstanding > 0 {
		if time.Now().After(deadline) {
			return "", fmt.Errorf("timeout: %d sent, %d unanswered", next, outstanding)
		}
		if next < n && outstanding < window {
			record(b, uint64(next))
			sentAt[next].Store(time.Now().UnixNano())
			state[next].Store(waiting)
			if _, err := c.Write(b); err != nil {
				// A refused port (ICMP) or a full buffer: the datagram
				// is lost like any other.
				state[next].CompareAndSwap(waiting, given)
			} else {
				outstanding++
			}
			next++
			continue
		}
		timer.Reset(lost / 4)
		select {
		case <-done:
			outstanding--
		case err := <-recvDone:
			return "", fmt.Errorf("receive: %w", err)
		case <-timer.C:
			// Give up the echoes older than lost, oldest first.
			cut := time.Now().Add(-lost).UnixNano()
			for ; oldest < next; oldest++ {
				s := state[oldest].Load()
				if s == waiting {
					if sentAt[oldest].Load() > cut {
						break
					}
					if state[oldest].CompareAndSwap(waiting, given) {
						outstanding--
					}
				}
			}
		}
	}
	c.Close()
	<-recvDone // the receiver has stopped appending to rtts
	if len(rtts) == 0 {
		return "", errors.New("no echo came back")
	}
	secs := float64(lastEcho.Load()-start.UnixNano()) / 1e9
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	return fmt.Sprintf("%.2f %.0f %.1f %.1f", float64(len(rtts))*100/float64(n),
		float64(len(rtts))/secs, us(rtts[len(rtts)/2]), us(rtts[len(rtts)*99/100])), nil
}
