//go:build linux

package tests

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIErrors: every failure is one "gcat: " line (plus a hint), with
// exit status 1 for runtime failures and 2 for usage errors (with a hint to
// -h) and for configurations that cannot run (one line naming the file or
// program), never a trace.
func TestCLIErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort := hostPort(t, busy.Addr().String())
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	_, freePort := hostPort(t, free.Addr().String())
	free.Close() // nothing listens there now

	const config = 3 // exit status 2, one line: a file or program the command line names
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"127.0.0.1", freePort}, 1, "gcat: connect to 127.0.0.1:" + freePort + ": connection refused"},
		{[]string{"no-such-host.invalid", "80"}, 1, "gcat: cannot resolve no-such-host.invalid"},
		{[]string{"-l", "127.0.0.1", busyPort}, 1, "gcat: listen on 127.0.0.1:" + busyPort + ": address already in use"},
		{[]string{"-U", filepath.Join(t.TempDir(), "none")}, 1, "no such file or directory"},
		{[]string{"-Z"}, 2, "gcat: invalid option -- 'Z'"},
		{[]string{"--bogus"}, 2, "gcat: unrecognized option '--bogus'"},
		{[]string{"127.0.0.1", "-w"}, 2, "gcat: option requires an argument -- 'w'"},
		{[]string{"127.0.0.1", "http"}, 2, `gcat: invalid port number "http"`},
		{[]string{"127.0.0.1", "70000"}, 2, `gcat: invalid port number "70000"`},
		{[]string{"-l", "-s", "127.0.0.1"}, 2, "gcat: -l and -s are incompatible"},
		{[]string{"-e", "/bin/cat", "-c", "cat", "127.0.0.1"}, 2, "gcat: only one of --exec, --sh-exec and --lua-exec"},
		{[]string{"-l", "-z", "80"}, 2, "gcat: -z cannot be used with -l"},
		{[]string{"--sctp", "127.0.0.1", "80"}, 2, "gcat: --sctp is not supported"},
		{[]string{"-g", "10.0.0.1", "127.0.0.1", "80"}, 2, "gcat: loose source routing (-g, -G) is not supported"},
		{[]string{"--rate", "fast", "127.0.0.1"}, 2, `gcat: --rate: invalid rate "fast"`},
		{[]string{"-o", filepath.Join(t.TempDir(), "no", "dir"), "127.0.0.1", freePort}, config, "gcat: cannot open the session file: "},
		{[]string{"-x", filepath.Join(t.TempDir(), "no", "dir"), "-l", "127.0.0.1", "0"}, config, "gcat: cannot open the session file: "},
		{[]string{"-e", "/no/such/program", "127.0.0.1"}, config, "gcat: --exec: /no/such/program: no such file or directory"},
		{[]string{"--lua-exec", "/no/such.lua", "-l", "127.0.0.1", "0"}, config, "gcat: --lua-exec: cannot open the Lua script /no/such.lua"},
		{[]string{"a", "1", "2"}, 2, "gcat: too many operands"},
		{[]string{}, 2, "gcat: you must specify a host to connect to"},
		{[]string{"--ssl-ciphers", "DHE-RSA-AES256-SHA", "127.0.0.1"}, 2, `gcat: --ssl-ciphers "DHE-RSA-AES256-SHA" selects no cipher suite gcat offers`},
		{[]string{"--ssl-cert", filepath.Join(t.TempDir(), "none.pem"), "--ssl-key", "k.pem", "-l", "127.0.0.1", "0"}, config, "gcat: cannot load the certificate"},
		{[]string{"--ssl-trustfile", filepath.Join(t.TempDir(), "none.pem"), "127.0.0.1", freePort}, config, "gcat: cannot read the trust file"},
		{[]string{"--broker", "-e", "/bin/cat"}, 2, "gcat: "},
		{[]string{"-n", "localhost", "80"}, 1, "host names are not allowed with -n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			p := gcat(t, nil, tt.args...)
			code := p.wait()
			stderr := p.stderr.String()
			want := tt.code
			if tt.code == config {
				want = 2
			}
			if code != want || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, want, tt.want)
			}
			lines := scanLines([]byte(stderr))
			if !strings.HasPrefix(lines[0], "gcat: ") || len(lines) > 2 || strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Fatalf("stderr is not one gcat line plus a hint: %q", stderr)
			}
			if tt.code == 2 && (len(lines) != 2 || !strings.Contains(lines[1], "-h")) {
				t.Fatalf("usage error without a hint to -h: %q", stderr)
			}
			if tt.code == config && len(lines) != 1 {
				t.Fatalf("configuration error in more than one line: %q", stderr)
			}
		})
	}
}

// TestCLIPermutedArguments: ncat's getopt reorders options and operands;
// these command lines from the issue must all listen and serve.
func TestCLIPermutedArguments(t *testing.T) {
	for _, args := range [][]string{
		{"-l", "127.0.0.1", "-v", "0"},
		{"-lv", "127.0.0.1", "0"},
		{"127.0.0.1", "-vl", "0"},
		{"-lvnp", "0", "127.0.0.1"},
		{"-vp0", "-l", "127.0.0.1"},
		{"--listen", "--verbose", "127.0.0.1", "--source-port=0"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			srv := gcat(t, strings.NewReader("pong"), args...)
			host, port := hostPort(t, srv.listenAddr())
			cli := gcat(t, strings.NewReader("ping"), "-v", host, port, "-w5")
			cli.mustSucceed()
			srv.mustSucceed()
			if srv.stdout.String() != "ping" || cli.stdout.String() != "pong" {
				t.Fatalf("server got %q, client got %q", srv.stdout.String(), cli.stdout.String())
			}
		})
	}
}

// TestCLIHelpVersion: -h and --version print to stdout and exit 0; -v is
// verbose, not version. --version prints the line -v starts with, and -h
// ends pointing to the manual page.
func TestCLIHelpVersion(t *testing.T) {
	h := gcat(t, nil, "-h")
	h.mustSucceed()
	if !strings.Contains(h.stdout.String(), "--keep-open") || !strings.HasSuffix(h.stdout.String(), "(man gcat) for every option, the half-close\nrules, exit statuses and examples.\n") {
		t.Fatalf("help: %q", h.stdout.String())
	}
	v := gcat(t, nil, "--version")
	v.mustSucceed()
	banner := v.stdout.String()
	if !strings.HasPrefix(banner, "gcat: Version ") || !strings.HasSuffix(banner, " ( https://github.com/gcat-dev/gcat )\n") {
		t.Fatalf("version: %q", banner)
	}
	z := gcat(t, nil, "-v", "-z", "127.0.0.1", "1") // port 1: refused at once
	z.wait()
	if first, _, _ := strings.Cut(z.stderr.String(), "\n"); first+"\n" != banner {
		t.Fatalf("-v starts with %q, --version says %q", first, banner)
	}
}

// TestCLIDoubleDash: after "--" everything is an operand, so "-v" there is
// a third operand (a usage error), not verbose.
func TestCLIDoubleDash(t *testing.T) {
	p := gcat(t, nil, "-l", "--", "127.0.0.1", "0", "-v")
	if code := p.wait(); code != 2 || !strings.Contains(p.stderr.String(), "too many operands") {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
}
