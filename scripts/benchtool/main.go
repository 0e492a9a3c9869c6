// Command benchtool is the client side of scripts/bench: the measurements
// that need a client doing two things at once, many things in a row, or
// precise timing.
//
//	benchtool echo  ADDR BYTES      send BYTES and read the echo concurrently; sha256 check
//	benchtool conns ADDR N WANT     N sequential connections, each must read WANT\n then EOF
//	                                (-tls: full TLS handshakes; prints conn/s, median handshake ms,
//	                                median connection ms, client CPU ms per connection)
//	benchtool rtt   ADDR N          N 64-byte round trips on one connection (median; -p99: and p99;
//	                                -tls: over TLS)
//	benchtool start N CMD [ARG...]  run CMD N times (output discarded), median wall time
//	benchtool ready N ADDR CMD [ARG...]  run CMD N times, median time from exec to a connect to ADDR succeeding (PORT in ARGs: ADDR's port)
//	benchtool golisten ADDR         the reference listener for ready: listen, accept one connection, exit
//	benchtool fanout ADDR N ROUNDS [hold]  N clients on a broker; one message to all, ROUNDS times
//	benchtool attack ADDR slowloris|silent N   N hostile connections held until stdin closes
//	benchtool udpsend ADDR N RATE SIZE   N numbered SIZE-byte datagrams, RATE a second (0: flat out)
//	benchtool udpsink SIZE          count the SIZE-byte records on stdin until EOF or -quiet
//	benchtool udprecv ADDR          bind UDP ADDR, count datagrams and bytes until -quiet
//	benchtool udpecho ADDR N SIZE WINDOW  N numbered datagrams to an echo server, WINDOW unanswered
//	                                at most (-lost: give one up); echoed %, datagrams/s, median, p99 µs
//
// Each prints one line: a figure, or "FAIL reason" (exit status 1). Every
// wait is bounded by -timeout, and echo gives up when nothing has come back
// for -stall, so a deadlocked server is reported ("deadlock"), not waited on
// forever.
package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"time"
)

var (
	timeout = flag.Duration("timeout", 120*time.Second, "bound on the whole measurement")
	stall   = flag.Duration("stall", 10*time.Second, "echo: give up when nothing arrives for this long")
	p99     = flag.Bool("p99", false, "rtt: print the 99th percentile after the median")
	useTLS  = flag.Bool("tls", false, "conns, rtt: connect over TLS (any certificate, no session resumption)")
	quiet   = flag.Duration("quiet", time.Second, "udpsink, udprecv: stop when nothing has come for this long")
	lost    = flag.Duration("lost", 200*time.Millisecond, "udpecho: give up an echo after this long")
)

func main() {
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool echo|conns|rtt|start|ready|golisten|fanout|attack|udpsend|udpsink|udprecv|udpecho ...")
		os.Exit(2)
	}
	deadline := time.Now().Add(*timeout)
	var out string
	var err error
	switch args[0] {
	case "echo":
		out, err = echo(args[1], num(args, 2), deadline)
	case "conns":
		out, err = conns(args[1], int(num(args, 2)), args[3], deadline)
	case "rtt":
		out, err = rtt(args[1], int(num(args, 2)), deadline)
	case "fanout":
		out, err = fanout(args[1], int(num(args, 2)), int(num(args, 3)), len(args) > 4 && args[4] == "hold", deadline)
	case "attack":
		out, err = attack(args[1], args[2], int(num(args, 3)), deadline)
	case "start":
		out, err = start(int(num(args, 1)), args[2:], deadline)
	case "ready":
		out, err = ready(int(num(args, 1)), args[2], args[3:], deadline)
	case "golisten":
		out, err = golisten(args[1])
	case "udpsend":
		out, err = udpSend(args[1], num(args, 2), float64(num(args, 3)), int(num(args, 4)), deadline)
	case "udpsink":
		out, err = udpSink(int(num(args, 1)), *quiet, deadline)
	case "udprecv":
		out, err = udpRecv(args[1], *quiet, deadline)
	case "udpecho":
		out, err = udpEcho(args[1], num(args, 2), int(num(args, 3)), int(num(args, 4)), *lost, deadline)
	default:
		err = errors.New("unknown mode " + args[0])
	}
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
	fmt.Println(out)
}

func num(args []string, i int) int64 {
	if i >= len(args) {
		fmt.Fprintln(os.Stderr, "missing argument")
		os.Exit(2)
	}
	n, err := strconv.ParseInt(args[i], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad number", args[i])
		os.Exit(2)
	}
	return n
}

// pattern is a deterministic pseudo-random stream (an LCG, 8 bytes a step).
type pattern struct{ x uint64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		if i%8 == 0 {
			p.x = p.x*6364136223846793005 + 1442695040888963407
		}
		b[i] = byte(p.x >> (56 - 8*(i%8)))
	}
	return len(b), nil
}

// echo sends size bytes and reads them back at the same time: a server that
// stops reading its socket while its child's output backs up (ncat 7.93's
// -e) shows up as a stall.
func echo(addr string, size int64, deadline time.Time) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetWriteDeadline(deadline)
	// Generate the payload up front so the figure is the server's, not the
	// generator's.
	const chunk = 1 << 20
	block := make([]byte, 64<<20)
	(&pattern{1}).Read(block)
	sent := make(chan []byte, 1)
	start := time.Now()
	go func() {
		h := sha256.New()
		for left := size; left > 0; {
			n := min(left, int64(len(block)))
			c.Write(block[:n])
			h.Write(block[:n])
			left -= n
		}
		c.(*net.TCPConn).CloseWrite()
		sent <- h.Sum(nil)
	}()
	h := sha256.New()
	buf := make([]byte, chunk)
	var got int64
	for {
		d := time.Now().Add(*stall)
		if d.After(deadline) {
			d = deadline
		}
		c.SetReadDeadline(d)
		n, err := c.Read(buf)
		h.Write(buf[:n])
		got += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return "", fmt.Errorf("deadlock: nothing back for %v after %d of %d bytes", *stall, got, size)
			}
			return "", fmt.Errorf("after %d bytes: %w", got, err)
		}
	}
	secs := time.Since(start).Seconds()
	if got != size {
		return "", fmt.Errorf("echo short: %d of %d bytes", got, size)
	}
	select {
	case want := <-sent:
		if !bytes.Equal(h.Sum(nil), want) {
			return "", errors.New("echo differs: sha256 mismatch")
		}
	case <-time.After(*stall):
		return "", errors.New("sender did not finish")
	}
	return fmt.Sprintf("%.0f", float64(size)/secs/1e6), nil
}

func conns(addr string, n int, want string, deadline time.Time) (string, error) {
	if *useTLS {
		return tlsConns(addr, n, want, deadline)
	}
	want += "\n"
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
		if err != nil {
			return "", fmt.Errorf("connection %d: %v", i, err)
		}
		c.SetDeadline(deadline)
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(got) != want {
			return "", fmt.Errorf("connection %d: got %q, %v", i, got, err)
		}
	}
	return fmt.Sprintf("%.0f", float64(n)/time.Since(start).Seconds()), nil
}

func rtt(addr string, n int, deadline time.Time) (string, error) {
	c, err := dial(addr, deadline)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	msg := bytes.Repeat([]byte("x"), 64)
	buf := make([]byte, 64)
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if _, err := c.Write(msg); err != nil {
			return "", err
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return "", err
		}
		times = append(times, time.Since(t0))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	if *p99 {
		return fmt.Sprintf("%.1f %.1f", us(times[n/2]), us(times[n*99/100])), nil
	}
	return fmt.Sprintf("%.1f", us(times[n/2])), nil
}

func start(n int, argv []string, deadline time.Time) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("no command")
	}
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		if time.Now().After(deadline) {
			return "", errors.New("timeout")
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return "", err
		}
		cmd.Wait() // the exit status of a usage/version print does not matter
		times = append(times, time.Since(t0))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return fmt.Sprintf("%.2f", float64(times[n/2].Microseconds())/1e3), nil
}
