package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"
)

// ready runs argv n times and measures, each time, how long after the exec
// a connection to addr succeeds: what a script that starts a listener and
// then its client feels. The word PORT in argv is replaced by addr's port.
// A refused connect is retried after 100µs: often enough that the figure
// is the listener's, not the polling's, and idle enough not to take the
// CPU the starting program needs.
func ready(n int, addr string, argv []string, deadline time.Time) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("no command")
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	for i, a := range argv {
		argv[i] = strings.ReplaceAll(a, "PORT", port)
	}
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		d, err := readyOnce(addr, argv, deadline)
		if err != nil {
			return "", err
		}
		times = append(times, d)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return fmt.Sprintf("%.2f", float64(times[n/2].Microseconds())/1e3), nil
}

func readyOnce(addr string, argv []string, deadline time.Time) (time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout = nil, nil // /dev/null
	exited := make(chan error, 1)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			d := time.Since(t0)
			c.Close()
			return d, nil
		}
		select {
		case err := <-exited:
			exited <- err // for the deferred wait
			return 0, fmt.Errorf("%s exited before listening: %v", argv[0], err)
		default:
		}
		if time.Now().After(deadline) {
			return 0, errors.New("timeout")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// golisten is the reference for ready: a minimal Go program that listens
// on addr, accepts one connection and exits.
func golisten(addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	c, err := l.Accept()
	if err != nil {
		return "", err
	}
	c.Close()
	l.Close()
	os.Exit(0)
	return "", nil
}
