package luaexec

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary be the --lua-exec child: with
// GCAT_LUAEXEC_TEST set it runs that script on its own stdin and stdout,
// exactly as gcat's child does.
func TestMain(m *testing.M) {
	if path := os.Getenv("GCAT_LUAEXEC_TEST"); path != "" {
		if err := Run(path); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runChild(t *testing.T, path, stdin string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GCAT_LUAEXEC_TEST="+path, "NCAT_REMOTE_ADDR=192.0.2.7")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestScripts: ncat's classic --lua-exec scripts run unchanged.
func TestScripts(t *testing.T) {
	for _, tt := range []struct{ name, body, in, want string }{
		{"echo", `while true do local l = io.read(); if not l then break end; io.write(l, "\n") end`, "a\nb\n", "a\nb\n"},
		{"upper", `for l in io.lines() do print(string.upper(l)) end`, "abc\nxyz\n", "ABC\nXYZ\n"},
		{"conditional", `local l = io.read("*l"); if l == "ping" then io.write("pong\n") else io.write("what?\n") end`, "ping\n", "pong\n"},
		{"readall", `local s = io.read("*a"); io.stdout:write(#s, "\n")`, "12345", "5\n"},
		{"number", `local n = io.read("*n"); print(n * 2)`, "21\n", "42\n"},
		{"http", `while true do local l = io.read(); if not l or l == "" or l == "\r" then break end end
io.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nyou are ", os.getenv("NCAT_REMOTE_ADDR"), "\n")`,
			"GET / HTTP/1.0\r\nHost: x\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nyou are 192.0.2.7\n"},
		{"writeonly", `io.write("hello\n")`, "", "hello\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runChild(t, script(t, tt.body), tt.in)
			if out != tt.want || code != 0 {
				t.Fatalf("stdout %q (exit %d, stderr %q), want %q", out, code, errs, tt.want)
			}
		})
	}
}

// TestExit: os.exit ends the child with the script's status, after what it
// wrote.
func TestExit(t *testing.T) {
	out, _, code := runChild(t, script(t, `io.write("bye\n"); os.exit(3)`), "")
	if out != "bye\n" || code != 3 {
		t.Fatalf("stdout %q, exit %d", out, code)
	}
}

// TestErrors: a runtime error names the script and line; a syntax error or
// a missing file is found by Check, before any connection.
func TestErrors(t *testing.T) {
	path := script(t, "io.write('x')\nerror('boom')\n")
	_, errs, code := runChild(t, path, "")
	if code != 1 || !strings.Contains(errs, "s.lua:2") || !strings.Contains(errs, "boom") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if err := Check(script(t, "if then")); err == nil || !strings.Contains(err.Error(), "s.lua") {
		t.Fatalf("syntax error: %v", err)
	}
	if err := Check("/nonexistent/x.lua"); err == nil || err.Error() != "cannot open the Lua script /nonexistent/x.lua: no such file or directory" {
		t.Fatalf("missing file: %v", err)
	}
	if err := Check(path); err != nil {
		t.Fatalf("a valid script: %v", err)
	}
}
