//go:build linux

package tests

// UDP against real peers: gcat -u as the client of socat and ncat UDP
// servers, and ncat -u clients, several at once, of a gcat -ulk server.

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
)

var socatUDPListening = regexp.MustCompile(`listening on UDP AF=\d+ (\S+)`)

// freeUDPPort is freeTCPPort for UDP, for ncat, which cannot report the
// port it got for 0.
func freeUDPPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, port := hostPort(t, c.LocalAddr().String())
	return port
}

// TestUDPClientOfSocat: gcat -u sends each read as a datagram to a socat
// echo server, prints the echoes, and exits by itself once they stop.
func TestUDPClientOfSocat(t *testing.T) {
	need(t, "socat")
	srv := start(t, nil, "socat", "-d", "-d", "UDP-LISTEN:0,bind=127.0.0.1", "EXEC:/bin/cat")
	host, port := hostPort(t, srv.waitStderr(socatUDPListening))
	cli := gcat(t, strings.NewReader("hello over udp\n"), "-u", host, port)
	cli.mustSucceed()
	if got := cli.stdout.String(); got != "hello over udp\n" {
		t.Errorf("client printed %q", got)
	}
}

// TestUDPClientOfNcat: a datagram each way between gcat -u and ncat -ul;
// the reply is written to ncat's stdin once ncat has printed the request.
func TestUDPClientOfNcat(t *testing.T) {
	need(t, "ncat")
	srvIn, srvInW := hcPipe(t)
	srv := start(t, srvIn, "ncat", "-ulv", "127.0.0.1", freeUDPPort(t))
	host, port := hostPort(t, srv.listenAddr())
	cliIn, cliInW := hcPipe(t)
	cli := gcat(t, cliIn, "-u", host, port)
	cliInW.WriteString("ping\n")
	if line := srv.nextStdoutLine(); line != "ping" {
		t.Fatalf("ncat printed %q", line)
	}
	srvInW.WriteString("pong\n")
	if line := cli.nextStdoutLine(); line != "pong" {
		t.Fatalf("gcat printed %q", line)
	}
	cliInW.Close() // gcat waits for more replies, then exits by itself
	cli.mustSucceed()
}

// TestUDPNcatClientsAtOnce: three ncat -u clients talk to one gcat -ulk -e
// server at the same time; each gets its own child and only its own reply.
func TestUDPNcatClientsAtOnce(t *testing.T) {
	need(t, "ncat")
	srv := gcat(t, nil, "-ulkv", "127.0.0.1", "0", "-c", `while read l; do echo "$NCAT_REMOTE_PORT:$l"; done`)
	host, port := hostPort(t, srv.listenAddr())
	type client struct {
		p   *proc
		in  interface{ WriteString(string) (int, error) }
		src string
	}
	var clients []client
	for i := range 3 {
		src := freeUDPPort(t)
		in, inW := hcPipe(t)
		p := start(t, in, "ncat", "-u", "-p", src, host, port)
		inW.WriteString(fmt.Sprintf("first from %d\n", i))
		clients = append(clients, client{p, inW, src})
	}
	// Every client sends again while all three sessions are live.
	for i, c := range clients {
		if line, want := c.p.nextStdoutLine(), fmt.Sprintf("%s:first from %d", c.src, i); line != want {
			t.Fatalf("client %d got %q, want %q", i, line, want)
		}
	}
	for i, c := range clients {
		c.in.WriteString(fmt.Sprintf("second from %d\n", i))
	}
	for i, c := range clients {
		if line, want := c.p.nextStdoutLine(), fmt.Sprintf("%s:second from %d", c.src, i); line != want {
			t.Fatalf("client %d got %q, want %q", i, line, want)
		}
	}
}
