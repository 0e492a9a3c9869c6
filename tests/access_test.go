//go:build linux

package tests

// -m/--max-conns and --allow/--deny/--allowfile/--denyfile, with ncat's
// meaning (measured against ncat 7.93: deny wins over allow).

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// source127 reports whether this machine can use 127.0.0.2 and friends as
// source addresses (Linux routes all of 127/8 to lo).
func source127(t *testing.T) {
	t.Helper()
	if !loopback("tcp4", "127.0.0.2") {
		t.Skip("127.0.0.2 is not usable as a loopback address here")
	}
}

// TestAllowDeny: peers from 127.0.0.x are admitted or refused by every
// spec form, from options and files; a refused peer's data never reaches
// the server's stdout, and -v says why.
func TestAllowDeny(t *testing.T) {
	source127(t)
	dir := t.TempDir()
	allowFile := filepath.Join(dir, "allow")
	os.WriteFile(allowFile, []byte("# who may come in\n127.0.0.1   127.0.0.10-20 # a range\n\n127.0.0.2/31\n"), 0o600)
	denyFile := filepath.Join(dir, "deny")
	os.WriteFile(denyFile, []byte("127.0.0.3\n127.0.0.15\n"), 0o600)
	tests := []struct {
		name    string
		args    []string
		admit   []string
		refused []string
	}{
		{"allow one", []string{"--allow", "127.0.0.2"}, []string{"127.0.0.2"}, []string{"127.0.0.1", "127.0.0.3"}},
		{"allow CIDR and list", []string{"--allow", "127.0.0.0/31,127.0.0.5"}, []string{"127.0.0.1", "127.0.0.5"}, []string{"127.0.0.2"}},
		{"allow octet range", []string{"--allow", "127.0.0.2-4"}, []string{"127.0.0.3"}, []string{"127.0.0.1", "127.0.0.5"}},
		{"deny wildcard", []string{"--deny", "127.0.0.*"}, nil, []string{"127.0.0.1", "127.0.0.9"}},
		{"deny wins over allow", []string{"--allow", "127.0.0.0/8", "--deny", "127.0.0.2"}, []string{"127.0.0.3"}, []string{"127.0.0.2"}},
		{"repeated allow", []string{"--allow", "127.0.0.2", "--allow", "127.0.0.3"}, []string{"127.0.0.2", "127.0.0.3"}, []string{"127.0.0.4"}},
		{"files", []string{"--allowfile", allowFile, "--denyfile", denyFile}, []string{"127.0.0.1", "127.0.0.2", "127.0.0.12"}, []string{"127.0.0.3", "127.0.0.15", "127.0.0.5", "127.0.0.21"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := hcPipe(t)
			srv := gcat(t, in, append(append([]string{"-lkv"}, tt.args...), "0.0.0.0", "0")...)
			_, port := hostPort(t, srv.listenAddr())
			for _, src := range tt.admit {
				msg := "from " + src + "\n"
				gcat(t, strings.NewReader(msg), "-s", src, "127.0.0.1", port).mustSucceed()
				srv.waitStdoutContains(msg)
			}
			for _, src := range tt.refused {
				cli := gcat(t, strings.NewReader("from "+src+"\n"), "-s", src, "127.0.0.1", port)
				cli.wait()
				srv.waitStderr(regexp.MustCompile(`(New connection from ` + regexp.QuoteMeta(src) + `:\d+ denied: not allowed)`))
			}
			if out := srv.stdout.String(); strings.Count(out, "\n") != len(tt.admit) {
				t.Errorf("server printed %q; only %v should have got through", out, tt.admit)
			}
		})
	}
}

// TestAllowDenyErrors: bad specs and files are usage errors; the options are
// for listen mode only.
func TestAllowDenyErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-l", "--allow", "10.0.0.300"}, `gcat: --allow: invalid host spec "10.0.0.300"`},
		{[]string{"-l", "--denyfile", "/no/such/file"}, "gcat: --denyfile: open /no/such/file: no such file or directory"},
		{[]string{"--allow", "127.0.0.1", "127.0.0.1", "80"}, "gcat: invalid option combination: --allow with connect"},
		{[]string{"-m", "5", "127.0.0.1", "80"}, "gcat: invalid option combination: --max-conns with connect"},
		{[]string{"-l", "-m", "0"}, `gcat: invalid -m/--max-conns "0"`},
	} {
		p := gcat(t, nil, tt.args...)
		if code := p.wait(); code != 2 || !strings.HasPrefix(p.stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, p.stderr.String(), tt.want)
		}
	}
}

// TestMaxConns: -m 2 serves two clients at once; a third is closed at once
// (ncat's "connection limit reached"), and once a client has left, the
// next one is served.
func TestMaxConns(t *testing.T) {
	for _, mode := range []string{"hub", "exec"} {
		t.Run(mode, func(t *testing.T) {
			args := []string{"-lkvv", "-m", "2", "127.0.0.1", "0"}
			if mode == "exec" {
				args = append(args, "-c", "cat")
			}
			in, _ := hcPipe(t)
			srv := gcat(t, in, args...)
			host, port := hostPort(t, srv.listenAddr())
			connected := regexp.MustCompile(`Connection from (127\.0\.0\.1:\d+)\.$`)
			var holders []*os.File
			for range 2 {
				r, w := hcPipe(t)
				gcat(t, r, host, port)
				srv.waitStderr(connected)
				holders = append(holders, w)
			}
			third := gcat(t, strings.NewReader("too many\n"), host, port)
			srv.waitStderr(regexp.MustCompile(`(denied: connection limit reached \(2\))`))
			third.wait()
			// ncat prints the warning only without -k; here nothing else.
			holders[0].Close()
			srv.waitStderr(regexp.MustCompile(`(Connection from 127\.0\.0\.1:\d+ ended\.)`))
			fourth := gcat(t, strings.NewReader("now there is room\n"), host, port)
			fourth.mustSucceed()
			if mode == "exec" && fourth.stdout.String() != "now there is room\n" {
				t.Errorf("fourth client got %q", fourth.stdout.String())
			}
			if mode == "hub" {
				srv.waitStdoutContains("now there is room\n")
				if strings.Contains(srv.stdout.String(), "too many") {
					t.Errorf("the refused client's data was read: %q", srv.stdout.String())
				}
			}
		})
	}
}

// TestMaxConnsWarning: -m without -k is ignored with ncat's warning.
func TestMaxConnsWarning(t *testing.T) {
	srv := gcat(t, strings.NewReader("x"), "-lv", "-m", "3", "127.0.0.1", "0")
	host, port := hostPort(t, srv.listenAddr())
	gcat(t, nil, host, port).mustSucceed()
	srv.mustSucceed()
	// As ncat: the version line, then the warning.
	if lines := scanLines(srv.stderr.Bytes()); len(lines) < 2 || lines[1] != "gcat: warning: maximum connections ignored, since it does not take effect without -k or --broker" {
		t.Errorf("stderr %q", srv.stderr.String())
	}
}

// TestAllowDenyIPv6: IPv6 addresses and prefixes apply to IPv6 peers.
func TestAllowDenyIPv6(t *testing.T) {
	if !loopback("tcp6", "::1") {
		t.Skip("no IPv6 loopback here")
	}
	for _, tt := range []struct {
		args  []string
		admit bool
	}{
		{[]string{"--allow", "::1"}, true},
		{[]string{"--allow", "fe80::/10"}, false},
		{[]string{"--deny", "::/64"}, false},
		{[]string{"--deny", "127.0.0.1"}, true},
	} {
		in, _ := hcPipe(t)
		srv := gcat(t, in, append(append([]string{"-lkv"}, tt.args...), "::1", "0")...)
		host, port := hostPort(t, srv.listenAddr())
		gcat(t, strings.NewReader("hello\n"), host, port).wait()
		if tt.admit {
			srv.waitStdoutContains("hello\n")
		} else {
			srv.waitStderr(regexp.MustCompile(`(denied: not allowed)`))
		}
	}
}

// TestFDLimitWarning: -v says when the open file limit cannot hold -m
// connections (each -e connection needs about seven descriptors: the
// socket, the child's two pipes, two pidfds, a splice pipe pair).
func TestFDLimitWarning(t *testing.T) {
	srv := start(t, nil, "/bin/sh", "-c", `ulimit -n 64 && exec "$0" -lkv -m 100 127.0.0.1 0 -e /bin/cat`, gcatBin)
	srv.waitStderr(regexp.MustCompile(`(the open file limit is 64 \(hard limit 64\): about 6 of the 100 connections -m allows can be served at once)`))
}
