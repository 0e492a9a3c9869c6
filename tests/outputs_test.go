//go:build linux

package tests

import (
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
)

// devFull opens /dev/full, where every write fails with ENOSPC.
func devFull(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestOutputFailures: a write that fails — the -o or -x file, stdout — is
// said once, with the file and the OS's reason, and ends the run with
// status 1, in every mode; nothing is discarded silently.
func TestOutputFailures(t *testing.T) {
	tests := []struct {
		name   string
		args   []string // the server's, listening on 127.0.0.1 0
		stdout bool     // the server's stdout is /dev/full
		want   string
	}{
		{"-o", []string{"-l", "-o", "/dev/full"}, false, "gcat: write /dev/full: no space left on device"},
		{"-x", []string{"-l", "-x", "/dev/full"}, false, "gcat: write /dev/full: no space left on device"},
		{"-lk -e -o", []string{"-lk", "-e", "/bin/cat", "-o", "/dev/full"}, false, "gcat: write /dev/full: no space left on device"},
		{"stdout, -l", []string{"-l"}, true, "gcat: write stdout: no space left on device"},
		{"stdout, -lk hub", []string{"-lk"}, true, "gcat: write stdout: no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := hcPipe(t) // stdin stays open: only the failure may end the server
			var out *os.File
			if tt.stdout {
				out = devFull(t)
			} else {
				devFull(t)
				r, w := hcPipe(t)
				go io.Copy(io.Discard, r)
				out = w
			}
			srv := hcGcat(t, in, out, append(append([]string{"-v"}, tt.args...), "127.0.0.1", "0")...)
			addr := srv.listenAddr()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write([]byte("data that cannot be kept\n"))
			code := srv.wait()
			re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tt.want) + `$`)
			if code != 1 || len(re.FindAllString(srv.stderr.String(), -1)) != 1 {
				t.Fatalf("exit %d, stderr %q; want 1 and one line %q", code, srv.stderr.String(), tt.want)
			}
		})
	}
	t.Run("connect, stdout", func(t *testing.T) {
		port := tcpServer(t, func(c *net.TCPConn) { c.Write([]byte("reply\n")); c.CloseWrite(); io.Copy(io.Discard, c) })
		cli := hcGcat(t, nil, devFull(t), "127.0.0.1", port)
		if code := cli.wait(); code != 1 || !strings.Contains(cli.stderr.String(), "gcat: write stdout: no space left on device\n") {
			t.Fatalf("exit %d, stderr %q", code, cli.stderr.String())
		}
	})
}
