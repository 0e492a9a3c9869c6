//go:build unix && !aix

package ptyexec

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/relay"
)

// serve relays one loopback connection to a child the way the netcat
// handler drives pkg/exec's children, and returns the client's end and a
// channel that receives the relay's result once the child is stopped.
func serve(t *testing.T, spec Spec) (net.Conn, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		opt := relay.Options{Idle: -1, DrainOnOutputGone: true}
		_, err := relay.Run(context.Background(), conn.(*net.TCPConn), c.Stdout, c.Stdin, opt)
		conn.Close()
		werr := c.Stop()
		done <- errors.Join(err, werr)
	}()
	return client, done
}

func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(bound):
		t.Fatal("the relay did not end")
	}
	return nil
}

// TestRelayScripted: a client that keeps its write side open and ends its
// script with exit gets all the output, then the end of the connection.
func TestRelayScripted(t *testing.T) {
	client, done := serve(t, shell(t, "bash"))
	client.Write([]byte("seq 3 | tr 1-3 a-c; exit\r"))
	out := readAll(t, client)
	if !strings.Contains(out, "a\r\nb\r\nc\r\n") {
		t.Errorf("client got %q", out)
	}
	client.Close()
	if err := result(t, done); err != nil {
		t.Errorf("relay: %v", err)
	}
}

// TestRelayDisconnect: a client that goes away hangs the session up, job
// and all.
func TestRelayDisconnect(t *testing.T) {
	client, done := serve(t, shell(t, "bash"))
	client.Write([]byte("sleep 100\r"))
	p := make([]byte, 4096)
	var seen string
	for !strings.Contains(seen, "sleep 100") {
		client.SetReadDeadline(time.Now().Add(bound))
		n, err := client.Read(p)
		if err != nil {
			t.Fatalf("after %q: %v", seen, err)
		}
		seen += string(p[:n])
	}
	client.Close()
	err := result(t, done)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGHUP {
		t.Errorf("session ended with %v; want the shell hung up", err)
	}
}
