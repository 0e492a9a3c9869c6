//go:build unix

package activation

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tests with the real launcher, systemd-socket-activate: it binds, waits
// for the first peer and execs the helper with the sockets (LISTEN_FDS,
// --fdname), or with -a accepts and hands over each connection (as fd 3,
// or with --inetd as fds 0 and 1).

func dialReport(t *testing.T, network, addr string) map[string]string {
	t.Helper()
	c, err := net.DialTimeout(network, addr, testWait)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return parseReport(readAll(t, c))
}

func TestSystemdTCPListener(t *testing.T) {
	p := sdLaunch(t, "listen", nil, "tcp")
	got := dialReport(t, "tcp", p.addrs[0])
	wantReport(t, got, map[string]string{"fd": "3", "name": "", "type": "stream", "family": "IPv4",
		"network": "tcp4", "addr": p.addrs[0], "string": "fd 3 (tcp4 " + p.addrs[0] + ")", "env": "", "leaks": ""})
	if code := p.exitCode(t); code != 0 {
		t.Fatalf("helper exit %d; stderr:\n%s", code, p.stderr())
	}
}

// The Unix socket's file is systemd's: it is still there after the helper
// has closed its listener and exited.
func TestSystemdUnixListenerKeepsItsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gcat.sock")
	p := sdLaunch(t, "listen", []string{"--fdname=local"}, path)
	got := dialReport(t, "unix", path)
	wantReport(t, got, map[string]string{"fd": "3", "name": "local", "family": "Unix", "network": "unix",
		"addr": path, "string": `fd 3 "local" (unix ` + path + ")", "env": "", "leaks": ""})
	if code := p.exitCode(t); code != 0 {
		t.Fatalf("helper exit %d; stderr:\n%s", code, p.stderr())
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("the launcher's socket file after the helper closed its listener: %v, %v", fi, err)
	}
}

func TestSystemdSeveralNamedSockets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.sock")
	p := sdLaunch(t, "listen", []string{"--fdname=web:admin"}, "tcp", path)
	// The helper serves fd 3 first; the Unix peer waits in the backlog.
	web := dialReport(t, "tcp", p.addrs[0])
	admin := dialReport(t, "unix", path)
	wantReport(t, web, map[string]string{"fd": "3", "name": "web", "network": "tcp4", "addr": p.addrs[0]})
	wantReport(t, admin, map[string]string{"fd": "4", "name": "admin", "network": "unix", "addr": path,
		"env": "", "leaks": ""})
	if code := p.exitCode(t); code != 0 {
		t.Fatalf("helper exit %d; stderr:\n%s", code, p.stderr())
	}
}

// datagramReport sends "ping" from a socket of network to addr and returns
// the helper's reply. Unix datagram clients bind a path to be answered at.
func datagramReport(t *testing.T, network, addr string) map[string]string {
	t.Helper()
	var c net.Conn
	var err error
	if network == "unixgram" {
		local := &net.UnixAddr{Name: filepath.Join(t.TempDir(), "client.sock"), Net: "unixgram"}
		c, err = net.DialUnix("unixgram", local, &net.UnixAddr{Name: addr, Net: "unixgram"})
	} else {
		c, err = net.Dial(network, addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(testWait))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return parseReport(string(buf[:n]))
}

func TestSystemdDatagramSockets(t *testing.T) {
	for _, tt := range []struct{ listen, client, network string }{
		{"udp", "udp4", "udp4"},
		{"unix", "unixgram", "unixgram"},
	} {
		t.Run(tt.network, func(t *testing.T) {
			addr := tt.listen
			if addr == "unix" {
				addr = filepath.Join(t.TempDir(), "dgram.sock")
			}
			p := sdLaunch(t, "listen-dgram", []string{"--datagram"}, addr)
			got := datagramReport(t, tt.client, p.addrs[0])
			wantReport(t, got, map[string]string{"fd": "3", "type": "datagram", "network": tt.network,
				"addr": p.addrs[0], "got": "ping", "env": "", "leaks": ""})
			if code := p.exitCode(t); code != 0 {
				t.Fatalf("helper exit %d; stderr:\n%s", code, p.stderr())
			}
		})
	}
}

// wantRefusal waits for the helper's exit status 3 and its typed reason.
func wantRefusal(t *testing.T, code int, stderr, reason string) {
	t.Helper()
	got := parseReport(stderr)
	if code != 3 || got["reason"] != reason {
		t.Fatalf("exit %d, reason %q; want 3, %q; stderr:\n%s", code, got["reason"], reason, stderr)
	}
}

func TestSystemdDatagramSocketInStreamModeRefused(t *testing.T) {
	p := sdLaunch(t, "listen", []string{"--datagram"}, "udp")
	c, err := net.Dial("udp4", p.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ping"))
	wantRefusal(t, p.exitCode(t), p.stderr(), "ErrDatagram fd=3 name=")
	if !strings.Contains(p.stderr(), "error=socket activation: fd 3 (udp4 "+p.addrs[0]+"): a datagram socket, not a stream one") {
		t.Fatalf("stderr does not explain:\n%s", p.stderr())
	}
}

// With -a and no --inetd, systemd-socket-activate hands each accepted
// connection over as LISTEN_FDS: a connected socket, which is refused.
func TestSystemdConnectedSocketRefused(t *testing.T) {
	p := sdLaunch(t, "listen", []string{"-a"}, "tcp")
	c, err := net.Dial("tcp", p.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if code := p.childExit(t); code != "3." && code != "3" {
		t.Fatalf("helper exit %s; stderr:\n%s", code, p.stderr())
	}
	wantRefusal(t, 3, p.stderr(), "ErrConnected fd=3 name=")
}

// halfCloseMatrix sends payload to the helper and half-closes; the helper
// answers only after that EOF, with its report and the payload, and
// half-closes in turn. Nothing written to the helper's stdout may arrive.
func halfCloseMatrix(t *testing.T, c net.Conn) map[string]string {
	t.Helper()
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	written := make(chan error, 1)
	go func() {
		_, err := c.Write(payload)
		if err == nil {
			err = c.(interface{ CloseWrite() error }).CloseWrite()
		}
		written <- err
	}()
	got := readAll(t, c)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	report, echoed, ok := strings.Cut(got, "payload\n")
	if !ok {
		t.Fatalf("no payload marker in %.300q", got)
	}
	if echoed != string(payload) {
		t.Fatalf("echoed %d bytes, want the %d sent", len(echoed), len(payload))
	}
	if strings.Contains(got, "LEAK") {
		t.Fatalf("the helper's stdout or stderr reached the connection: %.300q", report)
	}
	return parseReport(report)
}

func TestSystemdInetdStream(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			addr := network
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "inetd.sock")
			}
			p := sdLaunch(t, "inetd", []string{"-a", "--inetd"}, addr)
			c, err := net.Dial(network, p.addrs[0])
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got := halfCloseMatrix(t, c)
			want := map[string]string{"local": p.addrs[0], "remote": c.LocalAddr().String(),
				"stdout-was-conn": "true", "stderr-was-conn": "false", "fd0": "null", "fd1": "null", "leaks": ""}
			if network == "tcp" {
				want["network"] = "tcp4"
			} else {
				// An unnamed client: package net renders it as it likes
				// ("@" on Linux), for accepted connections just the same.
				want["network"] = "unix"
				delete(want, "remote")
			}
			wantReport(t, got, want)
			if code := p.childExit(t); code != "0." && code != "0" {
				t.Fatalf("helper exit %s; stderr:\n%s", code, p.stderr())
			}
		})
	}
}

// --inetd --datagram hands the bound datagram socket over as fds 0 and 1:
// served in datagram mode, its first peer is answered.
func TestSystemdInetdDatagram(t *testing.T) {
	p := sdLaunch(t, "inetd-dgram", []string{"--inetd", "--datagram"}, "udp")
	got := datagramReport(t, "udp4", p.addrs[0])
	wantReport(t, got, map[string]string{"network": "udp4", "local": p.addrs[0], "got": "ping",
		"stdout-was-conn": "true", "fd0": "null", "fd1": "null", "leaks": ""})
	if code := p.exitCode(t); code != 0 {
		t.Fatalf("helper exit %d; stderr:\n%s", code, p.stderr())
	}
}

// --inetd without -a hands over the listening socket as fd 0: not a
// connection, refused (LISTEN_FDS is the way to pass listening sockets).
func TestSystemdInetdListeningSocketRefused(t *testing.T) {
	p := sdLaunch(t, "inetd", []string{"--inetd"}, "tcp")
	c, err := net.Dial("tcp", p.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wantRefusal(t, p.exitCode(t), p.stderr(), "ErrListening fd=0 name=")
	io.Copy(io.Discard, c)
}
