package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestReport(t *testing.T) {
	// A real refused connection, wrapped as pkg/dial wraps it.
	_, refused := net.Dial("tcp", "127.0.0.1:1")
	tests := []struct {
		name string
		err  error
		sig  os.Signal
		code int
		out  string
	}{
		{"ok", nil, nil, 0, ""},
		{"usage", usagef("invalid option -- 'Z'"), nil, 2, "gcat: invalid option -- 'Z'\ngcat: hint: run 'gcat -h' for usage\n"},
		{"refused", fmt.Errorf("connect to 127.0.0.1:1: %w", syscall.ECONNREFUSED), nil, 1,
			"gcat: connect to 127.0.0.1:1: connection refused\ngcat: hint: is anything listening on that port?\n"},
		{"real refused", refused, nil, 1, "gcat: " + fmt.Sprint(refused) + "\ngcat: hint: is anything listening on that port?\n"},
		{"interrupted", context.Canceled, syscall.SIGINT, 130, ""},
		{"terminated", context.Canceled, syscall.SIGTERM, 143, ""},
		{"stdout gone", &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, nil, 141, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if code := report(&b, tt.err, tt.sig); code != tt.code || b.String() != tt.out {
				t.Fatalf("report = %d, %q; want %d, %q", code, b.String(), tt.code, tt.out)
			}
		})
	}
}
