package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeScript writes an executable shell script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// execOutput runs server (gcat or ncat) as "-l 127.0.0.1 PORT -e cmd" and
// returns what a gcat client receives from the child.
func execOutput(t *testing.T, server string, port string, cmd string) string {
	t.Helper()
	srv := start(t, nil, server, "-l", "127.0.0.1", port, "-e", cmd)
	// ncat has no "Listening on" line we can wait on without -v
	// differences, so the client retries until the listener is up.
	for attempt := 0; ; attempt++ {
		// --no-shutdown: ncat 7.93 drops a child's output when the
		// client's EOF comes first (one of the failures gcat fixes).
		cli := gcat(t, nil, "--no-shutdown", "127.0.0.1", port)
		if code := cli.wait(); code == 0 {
			srv.wait()
			return cli.stdout.String()
		}
		if attempt > 500 {
			t.Fatalf("could not reach %s on %s: %s", server, port, cli.stderr.String())
		}
	}
}

// freePort returns a loopback port that nothing listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	srv := gcat(t, nil, "-lv", "127.0.0.1", "0")
	_, port := hostPort(t, srv.listenAddr())
	srv.cmd.Process.Kill()
	srv.wait()
	return port
}

// TestExecSplitMatchesNcat: -e command lines are split into exactly the
// words ncat gives its child.
func TestExecSplitMatchesNcat(t *testing.T) {
	need(t, "ncat")
	dir := t.TempDir()
	argv := writeScript(t, dir, "argv", `for a; do printf '[%s]\n' "$a"; done`)
	// A directory with a space, reached through a backslash escape.
	spaced := filepath.Join(dir, "with space")
	os.Mkdir(spaced, 0o755)
	writeScript(t, spaced, "argv", `for a; do printf '[%s]\n' "$a"; done`)
	escaped := strings.ReplaceAll(filepath.Join(spaced, "argv"), " ", `\ `)
	for _, cmd := range []string{
		argv + " a b",
		argv + "   a\t\tb  ",
		argv + ` a\ b c`,
		argv + ` a\\ b`,
		argv + ` a\\\ b`,
		argv + ` 'a b' "c d"`,
		argv + ` \'x\'`,
		argv + ` trailing\`,
		argv + ` mid\dle`,
		escaped + " x",
	} {
		t.Run(cmd, func(t *testing.T) {
			want := execOutput(t, "ncat", freePort(t), cmd)
			got := execOutput(t, gcatBin, freePort(t), cmd)
			if want == "" {
				t.Fatal("ncat's child printed nothing: the comparison would prove nothing")
			}
			if got != want {
				t.Fatalf("gcat's child got\n%s\nncat's got\n%s", got, want)
			}
		})
	}
}

// TestExecEnvMatchesNcat: the NCAT_* variables a child sees are ncat's, in
// listen mode over TCP, and in connect mode (compared with ncat too).
func TestExecEnvMatchesNcat(t *testing.T) {
	need(t, "ncat")
	dir := t.TempDir()
	env := writeScript(t, dir, "env", `env | grep '^NCAT_' | sort | sed 's/_PORT=[0-9][0-9]*/_PORT=N/'`)
	want := execOutput(t, "ncat", freePort(t), env)
	got := execOutput(t, gcatBin, freePort(t), env)
	if got != want || !strings.Contains(got, "NCAT_REMOTE_ADDR=127.0.0.1") || !strings.Contains(got, "NCAT_PROTO=TCP") {
		t.Fatalf("gcat's child env:\n%s\nncat's:\n%s", got, want)
	}

	// Connect mode: a gcat server sends nothing; the connecting side runs
	// the child, whose output reaches the server's stdout.
	connectEnv := func(client string) string {
		// The server's stdin stays open (an idle pipe), so it does not
		// shut down before the child has spoken: ncat 7.93 would drop
		// the output.
		idle, w := hcPipe(t)
		defer w.Close()
		srv := startIO(t, idle, nil, gcatBin, "-lv", "127.0.0.1", "0")
		host, port := hostPort(t, srv.listenAddr())
		cli := start(t, nil, client, host, port, "-e", env)
		cli.mustSucceed()
		srv.mustSucceed()
		return srv.stdout.String()
	}
	if got, want := connectEnv(gcatBin), connectEnv("ncat"); got != want || !strings.Contains(got, "NCAT_LOCAL_ADDR=127.0.0.1") {
		t.Fatalf("connect mode: gcat's child env:\n%s\nncat's:\n%s", got, want)
	}
}

// TestExecEnvExactPorts: the port variables carry the real ports.
func TestExecEnvExactPorts(t *testing.T) {
	srv := gcat(t, nil, "-lv", "127.0.0.1", "0", "-c", `echo "$NCAT_LOCAL_ADDR $NCAT_LOCAL_PORT $NCAT_REMOTE_ADDR $NCAT_REMOTE_PORT"`)
	host, port := hostPort(t, srv.listenAddr())
	cli := gcat(t, nil, "-p", freePort(t), host, port)
	cli.mustSucceed()
	srv.mustSucceed()
	want := "127.0.0.1 " + port + " 127.0.0.1 " + cli.cmd.Args[2] + "\n"
	if got := cli.stdout.String(); got != want {
		t.Fatalf("child said %q, want %q", got, want)
	}
}

// TestExecEnvUnix: on Unix sockets, ncat's convention: "localhost" and
// empty ports.
func TestExecEnvUnix(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	srv := gcat(t, nil, "-lvU", sock, "-c", `echo "[$NCAT_REMOTE_ADDR][$NCAT_REMOTE_PORT][$NCAT_LOCAL_ADDR][$NCAT_LOCAL_PORT][$NCAT_PROTO]"`)
	if got := srv.listenAddr(); got != sock {
		t.Fatalf("listening on %q", got)
	}
	cli := gcat(t, nil, "-U", sock)
	cli.mustSucceed()
	srv.mustSucceed()
	if got := cli.stdout.String(); got != "[localhost][][localhost][][TCP]\n" {
		t.Fatalf("child said %q", got)
	}
}

// TestExecStderrAndPath: the child's stderr is gcat's, and a bare program
// name is found in PATH.
func TestExecStderrAndPath(t *testing.T) {
	srv := gcat(t, nil, "-lv", "127.0.0.1", "0", "-e", "sh -c echo\\ out;echo\\ err\\ >&2")
	host, port := hostPort(t, srv.listenAddr())
	cli := gcat(t, nil, host, port)
	cli.mustSucceed()
	srv.mustSucceed()
	if cli.stdout.String() != "out\n" || !strings.Contains(srv.stderr.String(), "\nerr\n") {
		t.Fatalf("client got %q; server stderr %q", cli.stdout.String(), srv.stderr.String())
	}
}
