// Command benchtool is the client side of scripts/bench: the measurements
// that need a client doing two things at once or many things in a row.
//
//	benchtool echo  ADDR BYTES   send BYTES and read the echo concurrently; sha256 check
//	benchtool conns ADDR N WANT  N sequential connections, each must read WANT then EOF
//	benchtool rtt   ADDR N       N 64-byte round trips on one connection
//	benchtool wait  ADDR         wait (bounded) until ADDR accepts a connection
//
// Each prints one line: a figure, or "FAIL reason". Every wait is bounded by
// -timeout, so a deadlocked server is reported, not waited on forever.
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
	"sort"
	"strconv"
	"time"
)

var timeout = flag.Duration("timeout", 120*time.Second, "bound on the whole measurement")

func main() {
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool echo|conns|rtt|wait ADDR [N] [WANT]")
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
	case "wait":
		err = wait(args[1], deadline)
	}
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
	fmt.Println(out)
}

func num(args []string, i int) int64 {
	n, err := strconv.ParseInt(args[i], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad number", args[i])
		os.Exit(2)
	}
	return n
}

// pattern is a deterministic, incompressible-enough stream.
type pattern struct{ x uint64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		p.x = p.x*6364136223846793005 + 1442695040888963407
		b[i] = byte(p.x >> 56)
	}
	return len(b), nil
}

func echo(addr string, size int64, deadline time.Time) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	start := time.Now()
	sent := make(chan []byte, 1)
	go func() {
		h := sha256.New()
		io.Copy(io.MultiWriter(c, h), io.LimitReader(&pattern{1}, size))
		c.(*net.TCPConn).CloseWrite()
		sent <- h.Sum(nil)
	}()
	h := sha256.New()
	n, err := io.Copy(h, c)
	if err != nil {
		return "", fmt.Errorf("after %d bytes: deadlock or error: %w", n, err)
	}
	secs := time.Since(start).Seconds()
	if n != size || !bytes.Equal(h.Sum(nil), <-sent) {
		return "", fmt.Errorf("echo differs: %d of %d bytes", n, size)
	}
	return fmt.Sprintf("%.0f MB/s sha256-ok", float64(size)/secs/1e6), nil
}

func conns(addr string, n int, want string, deadline time.Time) (string, error) {
	want = want + "\n"
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return "", err
		}
		c.SetDeadline(deadline)
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(got) != want {
			return "", fmt.Errorf("connection %d: got %q, %v", i, got, err)
		}
	}
	return fmt.Sprintf("%.0f conn/s", float64(n)/time.Since(start).Seconds()), nil
}

func rtt(addr string, n int, deadline time.Time) (string, error) {
	c, err := net.Dial("tcp", addr)
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
	return fmt.Sprintf("%.0f us", float64(times[n/2].Microseconds())), nil
}

func wait(addr string, deadline time.Time) error {
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("not listening")
}
