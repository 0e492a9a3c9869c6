package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gcat-dev/gcat/pkg/dial"
	"github.com/gcat-dev/gcat/pkg/listen"
	"github.com/gcat-dev/gcat/pkg/netcat"
	"github.com/gcat-dev/gcat/pkg/neterr"
	"github.com/gcat-dev/gcat/pkg/relay"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// TestReport: the message, hint and status for errors from real operations.
func TestReport(t *testing.T) {
	ctx := context.Background()
	_, refused := dial.Dial(ctx, dial.Options{Host: "127.0.0.1", Port: 1})
	_, noHost := dial.Dial(ctx, dial.Options{Host: "no-such-host.invalid", Port: 80})
	_, noSock := dial.Dial(ctx, dial.Options{Unix: filepath.Join(t.TempDir(), "none")})
	_, badSource := dial.Dial(ctx, dial.Options{Host: "127.0.0.1", Port: 1, Source: "192.0.2.1"})
	stale := staleSocket(t)
	_, staleErr := listen.Listen(ctx, listen.Options{Unix: stale})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyAddr := busy.Addr().(*net.TCPAddr)
	_, inUse := listen.Listen(ctx, listen.Options{Host: "127.0.0.1", Port: busyAddr.Port})
	reset := neterr.New(neterr.OpConnection, "127.0.0.1:5555", &relay.Error{Side: relay.Connection, Err: syscall.ECONNRESET})
	verify := &neterr.Error{Op: "tls handshake with", Addr: "h:443", Err: &tlsconf.VerifyError{Reason: "unknown authority"}}
	tests := []struct {
		name string
		err  error
		sig  os.Signal
		code int
		out  string // the whole output, or its start when it ends with "…"
	}{
		{"ok", nil, nil, 0, ""},
		{"usage", usagef("invalid option -- 'Z'"), nil, 2, "gcat: invalid option -- 'Z'\ngcat: hint: run 'gcat -h' for usage\n"},
		{"refused", refused, nil, 1, "gcat: connect to 127.0.0.1:1: connection refused\ngcat: hint: is anything listening on that port?\n"},
		{"no such host", noHost, nil, 1, "gcat: cannot resolve no-such-host.invalid: no such host\ngcat: hint: check the host name\n"},
		{"no socket", noSock, nil, 1, "gcat: connect to …"},
		{"bad source", badSource, nil, 1, "gcat: bind to 192.0.2.1:0: cannot assign requested address\ngcat: hint: the source address (-s) must be one of this machine's\n"},
		{"stale socket", staleErr, nil, 1, "gcat: listen on " + stale + ": address already in use\ngcat: hint: nothing answers on " + stale + ": a server that has gone left it; remove it (rm " + stale + ") and try again\n"},
		{"in use", inUse, nil, 1, fmt.Sprintf("gcat: listen on %s: address already in use\ngcat: hint: another program is listening there; choose another port or stop it\n", busyAddr)},
		{"reset", reset, nil, 1, "gcat: connection with 127.0.0.1:5555: connection reset by peer\n"},
		{"verify", verify, nil, 1, "gcat: tls handshake with h:443: certificate verify failed: unknown authority\ngcat: hint: give the certificate of the CA…"},
		{"config", &netcat.ConfigError{Err: errors.New("--exec: /no/such: no such file or directory")}, nil, 2, "gcat: --exec: /no/such: no such file or directory\n"},
		{"status", &netcat.StatusError{Status: 2, Err: relay.ErrIdleTimeout}, nil, 2, "gcat: idle timeout expired\n"},
		{"interrupted", context.Canceled, syscall.SIGINT, 130, ""},
		{"terminated", context.Canceled, syscall.SIGTERM, 143, ""},
		{"stdout gone", &netcat.StreamError{Op: "write", Name: "stdout", Err: syscall.EPIPE}, nil, 141, ""},
		{"stdout full", &netcat.StreamError{Op: "write", Name: "stdout", Err: syscall.ENOSPC}, nil, 1, "gcat: write stdout: no space left on device\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			code := report(&b, tt.err, tt.sig)
			prefix, partial := strings.CutSuffix(tt.out, "…")
			ok := b.String() == tt.out || partial && strings.HasPrefix(b.String(), prefix)
			if code != tt.code || !ok {
				t.Fatalf("report(%v) = %d, %q; want %d, %q", tt.err, code, b.String(), tt.code, tt.out)
			}
		})
	}
}

// staleSocket leaves a Unix socket file that nothing listens on, as a
// server killed with SIGKILL does.
func staleSocket(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	return path
}
