//go:build linux

package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// installed is what make install lays out under the prefix.
var installed = []string{
	"bin/gcat",
	"share/man/man1/gcat.1",
	"share/bash-completion/completions/gcat",
	"share/zsh/site-functions/_gcat",
	"share/fish/vendor_completions.d/gcat.fish",
}

func runMake(t *testing.T, args ...string) {
	t.Helper()
	need(t, "make")
	ctx, cancel := context.WithTimeout(context.Background(), 5*bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", append([]string{"-C", ".."}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestMakeInstall: make install honours DESTDIR and PREFIX (default
// /usr/local) and lays out the binary, the man page and the three
// completions; the binary runs and man finds the page; make uninstall
// removes them all.
func TestMakeInstall(t *testing.T) {
	for _, prefix := range []string{"", "/opt/gcat"} {
		t.Run("PREFIX="+prefix, func(t *testing.T) {
			dest := t.TempDir()
			args := []string{"DESTDIR=" + dest, "BIN=" + filepath.Join(t.TempDir(), "gcat"), "VERSION=v9.8.7-test"}
			root := filepath.Join(dest, "usr/local")
			if prefix != "" {
				args = append(args, "PREFIX="+prefix)
				root = filepath.Join(dest, prefix)
			}
			runMake(t, append([]string{"install"}, args...)...)
			for _, f := range installed {
				st, err := os.Stat(filepath.Join(root, f))
				if err != nil {
					t.Fatalf("make install: %v", err)
				}
				if want := os.FileMode(0o644); f == "bin/gcat" && st.Mode().Perm()&0o111 == 0 || f != "bin/gcat" && st.Mode().Perm() != want {
					t.Errorf("%s: mode %v", f, st.Mode())
				}
			}
			out, err := exec.Command(filepath.Join(root, "bin/gcat"), "--version").Output()
			if want := "gcat: Version 9.8.7-test ( https://github.com/gcat-dev/gcat )\n"; err != nil || string(out) != want {
				t.Errorf("installed gcat --version: %q, %v; want %q, the version make stamped", out, err, want)
			}
			if _, err := exec.LookPath("man"); err == nil {
				where, err := exec.Command("man", "-M", filepath.Join(root, "share/man"), "-w", "gcat").Output()
				if err != nil || strings.TrimSpace(string(where)) != filepath.Join(root, "share/man/man1/gcat.1") {
					t.Errorf("man -M ... -w gcat: %q, %v", where, err)
				}
			}
			runMake(t, append([]string{"uninstall"}, args...)...)
			for _, f := range installed {
				if _, err := os.Stat(filepath.Join(root, f)); !os.IsNotExist(err) {
					t.Errorf("make uninstall left %s (%v)", f, err)
				}
			}
		})
	}
}
