package dtls_test

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/gcat-dev/gcat/pkg/dtls"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
	"github.com/pion/transport/v5/dpipe"
	"golang.org/x/net/nettest"
)

// TestConn runs x/net's net.Conn conformance tests over an in-memory
// datagram pipe, which unlike UDP never drops: its bulk transfers would
// overrun a socket's buffer.
func TestConn(t *testing.T) {
	sconf := serverConf(t, tlsconf.Options{})
	cconf := clientConf(t, tlsconf.Options{}, "127.0.0.1")
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b := dpipe.Pipe()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		type result struct {
			c   net.Conn
			err error
		}
		accepted := make(chan result, 1)
		go func() {
			c, err := dtls.Server(ctx, b, sconf)
			accepted <- result{c, err}
		}()
		client, err := dtls.Client(ctx, a, cconf)
		r := <-accepted
		if err != nil || r.err != nil {
			if r.err == nil {
				r.c.Close()
			}
			if client != nil {
				client.Close()
			}
			return nil, nil, nil, fmt.Errorf("client: %v, server: %v", err, r.err)
		}
		return client, r.c, func() { client.Close(); r.c.Close() }, nil
	})
}
