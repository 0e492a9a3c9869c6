//go:build linux

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
		"  \t" + argv + "\tx",
		// White space after an escaped character other than a backslash
		// does not end the word in ncat.
		argv + ` x\  y z`,
		argv + " x\\\t\t y",
		argv + ` x\a y`,
		argv + ` \\\\ \  \\`,
		argv + ` x\\ y x\\\ y`,
	} {
		t.Run(cmd, func(t *testing.T) {
			e := endpoint{network: "tcp4", host: "127.0.0.1"}
			want, _, _ := execListenOutput(t, "ncat", e, "-e", cmd)
			got, _, _ := execListenOutput(t, gcatBin, e, "-e", cmd)
			if want == "" {
				t.Fatal("ncat's child printed nothing: the comparison would prove nothing")
			}
			if got != want {
				t.Fatalf("gcat's child got\n%s\nncat's got\n%s", got, want)
			}
		})
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
