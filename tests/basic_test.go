//go:build linux

package tests

import (
	"strings"
	"testing"
)

// TestListenConnectRoundTrip is the smallest end-to-end check: a listener
// with a reply on stdin, a client with a request, both exit by themselves.
func TestListenConnectRoundTrip(t *testing.T) {
	srv := gcat(t, strings.NewReader("reply\n"), "-lv", "127.0.0.1", "0")
	host, port := hostPort(t, srv.listenAddr())
	cli := gcat(t, strings.NewReader("request\n"), host, port)
	cli.mustSucceed()
	srv.mustSucceed()
	if got := srv.stdout.String(); got != "request\n" {
		t.Errorf("server got %q", got)
	}
	if got := cli.stdout.String(); got != "reply\n" {
		t.Errorf("client got %q", got)
	}
}
