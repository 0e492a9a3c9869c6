package luaexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const childEnv = "GCAT_LUAEXEC_TEST_CHILD"

// TestMain lets the test binary be the --lua-exec child: with
// GCAT_LUAEXEC_TEST_CHILD set to a script's path it runs that script with
// Run on its own stdin, stdout and stderr and exits as gcat's child does.
func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		err := Run(path)
		var ee *ExitError
		switch {
		case errors.As(err, &ee):
			os.Exit(ee.Code)
		case err != nil:
			fmt.Fprintf(os.Stderr, "gcat: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The classic ncat --lua-exec scripts, as a user would write them.
const (
	echoScript = `while true do local l = io.read(); if not l then break end; io.write(l, "\n") end
`
	conditionalScript = `local l = io.read()
if l == "ping" then
  io.write("pong\n")
elseif l == "time" then
  io.write("no clocks here\n")
else
  io.write("unknown command: ", tostring(l), "\n")
end
`
	upperScript = `for line in io.lines() do print(string.upper(line)) end
`
	httpScript = `-- read the request up to the empty line
local first = io.read("*l")
while true do
  local l = io.read("*l")
  if l == nil or l == "" or l == "\r" then break end
end
local body = "Hello, " .. os.getenv("NCAT_REMOTE_ADDR") .. "\n"
io.write("HTTP/1.0 200 OK\r\n",
  "Content-Type: text/plain\r\n",
  "Content-Length: ", #body, "\r\n",
  "\r\n", body)
`
	helloScript = `io.write("hello from lua\n")
`
)

func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runIn runs a script in this process with RunWith, bounded in time.
func runIn(t *testing.T, body string, stdin io.Reader) (stdout, stderr string, err error) {
	t.Helper()
	path := script(t, body)
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- RunWith(path, stdin, &out, &errb) }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("the script did not end in 10s")
	}
	return out.String(), errb.String(), err
}

// child is the test binary started as the --lua-exec child of path.
func child(t *testing.T, path string, extraEnv ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	// A -race child otherwise sleeps 1 s at exit.
	cmd.Env = append(cmd.Env, "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// runChild runs path in a child process with real pipes and returns what it
// wrote and its exit status.
func runChild(t *testing.T, path, stdin string, extraEnv ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := child(t, path, extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

type scriptCase struct {
	name, body, in, want string
}

var classicCases = []scriptCase{
	{"echo", echoScript, "a\nbb\n\nlast without newline", "a\nbb\n\nlast without newline\n"},
	{"echo-empty", echoScript, "", ""},
	{"conditional-ping", conditionalScript, "ping\n", "pong\n"},
	{"conditional-time", conditionalScript, "time\n", "no clocks here\n"},
	{"conditional-other", conditionalScript, "quit\r\n", "unknown command: quit\r\n"},
	{"conditional-eof", conditionalScript, "", "unknown command: nil\n"},
	{"upper", upperScript, "abc\nHello, World\n", "ABC\nHELLO, WORLD\n"},
	{"http", httpScript, "GET / HTTP/1.0\r\nHost: example\r\nUser-Agent: t\r\n\r\n",
		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\nHello, 192.0.2.7\n"},
	{"http-bare-lf", httpScript, "GET / HTTP/1.0\n\n",
		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\nHello, 192.0.2.7\n"},
	{"hello", helloScript, "", "hello from lua\n"},
}

// TestClassicScripts: ncat's sample scripts run unchanged, in this process
// through RunWith and in a child process through Run with real pipes.
func TestClassicScripts(t *testing.T) {
	t.Setenv("NCAT_REMOTE_ADDR", "192.0.2.7")
	for _, tt := range classicCases {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, err := runIn(t, tt.body, strings.NewReader(tt.in))
			if out != tt.want || errs != "" || err != nil {
				t.Errorf("RunWith: stdout %q, stderr %q, err %v; want %q", out, errs, err, tt.want)
			}
			out, errs, code := runChild(t, script(t, tt.body), tt.in)
			if out != tt.want || errs != "" || code != 0 {
				t.Errorf("Run: stdout %q, stderr %q, exit %d; want %q", out, errs, code, tt.want)
			}
		})
	}
}

// TestWriteOnly: a script that never reads ends although its input stays
// open.
func TestWriteOnly(t *testing.T) {
	block, unblock := io.Pipe()
	defer unblock.Close()
	if out, _, err := runIn(t, helloScript, block); out != "hello from lua\n" || err != nil {
		t.Fatalf("RunWith: %q, %v", out, err)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd := child(t, script(t, helloScript))
	cmd.Stdin = r
	out, err := cmd.Output()
	r.Close()
	if string(out) != "hello from lua\n" || err != nil {
		t.Fatalf("Run: %q, %v", out, err)
	}
}

// TestInteractive: what the script writes reaches fd 1 at once, before it
// waits for input, so a prompt is seen before the answer is sent.
func TestInteractive(t *testing.T) {
	cmd := child(t, script(t, `io.write("name? ")
local n = io.read()
print("hello, " .. n)
io.stdout:write("bye", "\n")
`))
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout = inR, outW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	defer inW.Close()
	defer outR.Close()
	outR.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 6)
	if _, err := io.ReadFull(outR, buf); err != nil || string(buf) != "name? " {
		t.Fatalf("prompt %q, %v", buf, err)
	}
	inW.Write([]byte("ann\n"))
	rest, err := io.ReadAll(outR)
	if string(rest) != "hello, ann\nbye\n" || err != nil {
		t.Fatalf("after the prompt: %q, %v", rest, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestRead: io.read's formats, Lua 5.1's and 5.3's spellings, at and
// before the end of input.
func TestRead(t *testing.T) {
	long := strings.Repeat("x", 100000)
	for _, tt := range []struct{ name, body, in, want string }{
		{"l", `print(io.read("*l")) print(io.read("l")) print(io.read())`, "a\nb\nc", "a\nb\nc\n"},
		{"l-eof", `print(io.read("*l"))`, "", "nil\n"},
		{"l-cr-kept", `local l = io.read() print(#l, l:byte(-1))`, "ab\r\n", "3\t13\n"},
		{"l-empty-lines", `print(io.read() == "", io.read(), io.read())`, "\n\nx\n", "true\t\tx\n"},
		{"L", `io.write(io.read("*L"), io.read("L"), tostring(io.read("L")))`, "a\nb", "a\nbnil"},
		{"a", `local s = io.read("*a") print(#s) print(io.read("a") == "")`, "12345\n6", "7\ntrue\n"},
		{"a-empty", `print(io.read("a") == "", io.read("l"))`, "", "true\tnil\n"},
		{"n", `local a, b = io.read("*n", "n") print(a + b)`, "  21\n 0x15 ", "42\n"},
		{"n-float", `print(io.read("n") * 4)`, "-2.5e1x", "-100\n"},
		{"n-then-line", `local n = io.read("n") print(n, io.read("l"), io.read("l"))`, "7 apples\nnext\n", "7\t apples\tnext\n"},
		{"n-not-a-number", `print(io.read("n")) print(io.read("l"))`, "abc\n", "nil\nabc\n"},
		{"n-eof", `print(io.read("n"))`, "  ", "nil\n"},
		{"count", `print(io.read(3)) print(io.read(0)) print(io.read(100)) print(io.read(0)) print(io.read(1))`, "abcdef", "abc\n\ndef\nnil\nnil\n"},
		{"many", `local a, b, c = io.read("l", 2, "a") io.write(a, "|", b, "|", c)`, "one\ntwo\nthree", "one|tw|o\nthree"},
		{"stops-at-nil", `print(select("#", io.read("l", "l", "l")))`, "only\n", "2\n"},
		{"stdin-method", `print(io.stdin:read("l"), io.stdin:read(2))`, "x\nyz", "x\tyz\n"},
		{"long-line", `local l = io.read() print(#l, io.read())`, long + "\nend\n", "100000\tend\n"},
		{"lines", `local n = 0 for l in io.lines() do n = n + 1 io.write(n, ":", l, ";") end`, "a\n\nb", "1:a;2:;3:b;"},
		{"lines-long", `for l in io.lines() do print(#l) end`, long + "\n" + long, "100000\n100000\n"},
		{"stdin-lines-format", `for a, b in io.stdin:lines(1, 1) do io.write(b, a) end`, "abcd", "badc"},
		{"lines-then-read", `for l in io.lines() do if l == "stop" then break end end print(io.read("a"))`, "x\nstop\nrest\n", "rest\n\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, err := runIn(t, tt.body, strings.NewReader(tt.in))
			if out != tt.want || err != nil {
				t.Fatalf("stdout %q, stderr %q, err %v; want %q", out, errs, err, tt.want)
			}
		})
	}
	if _, _, err := runIn(t, `io.read("x")`, strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "invalid format") {
		t.Fatalf("a bad format: %v", err)
	}
}

// countingWriter counts the writes made to it.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func runCounting(t *testing.T, body string) (*countingWriter, *countingWriter, error) {
	t.Helper()
	path := script(t, body)
	var out, errw countingWriter
	done := make(chan error, 1)
	go func() { done <- RunWith(path, strings.NewReader(""), &out, &errw) }()
	select {
	case err := <-done:
		return &out, &errw, err
	case <-time.After(10 * time.Second):
		t.Fatal("the script did not end in 10s")
	}
	return nil, nil, nil
}

// TestWrite: io.write, file:write, print and io.stderr, each call one write
// to its writer.
func TestWrite(t *testing.T) {
	for _, tt := range []struct {
		name, body, out, errOut string
		writes                  int
	}{
		{"io.write", `io.write("a", 1, "b", 2.5, "\n")`, "a1b2.5\n", "", 1},
		{"chained", `io.stdout:write("x"):write("y") io.write("z")`, "xyz", "", 3},
		{"returns-file", `print(io.write("") == io.stdout, io.stdout:write() == io.stdout)`, "true\ttrue\n", "", 1},
		{"print", `print("a", 1, nil, true, 2^10, -0.5) print() print(setmetatable({}, {__tostring = function() return "T" end}))`, "a\t1\tnil\ttrue\t1024\t-0.5\n\nT\n", "", 3},
		{"stderr", `io.stderr:write("oops ", 1, "\n") io.write("ok\n")`, "ok\n", "oops 1\n", 1},
		{"output-stderr", `io.output(io.stderr) io.write("e") io.output(io.stdout) io.write("o") print(io.output() == io.stdout)`, "otrue\n", "e", 2},
		{"write-to-stdin", `print(io.stdin:write("x"))`, "nil\tBad file descriptor\t9\n", "", 1},
		{"read-from-stdout", `print(io.stdout:read())`, "nil\tBad file descriptor\t9\n", "", 1},
		{"close-refused", `print(io.stdout:close()) print(io.close()) io.write("still open\n")`, "nil\tcannot close standard file\nnil\tcannot close standard file\nstill open\n", "", 3},
		{"seek", `print(io.stdout:seek("set", 0))`, "nil\tIllegal seek\t29\n", "", 1},
		{"type", `print(io.type(io.stdin), io.type(io.stdout), io.type(42), tostring(io.stderr))`, "file\tfile\tnil\tfile (stderr)\n", "", 1},
		{"flush", `io.write("a") io.flush() io.stdout:flush() print(io.flush())`, "atrue\n", "", 2},
		{"setvbuf-full", `io.stdout:setvbuf("full") for i = 1, 100 do io.write(i, " ") end io.write("\n")`, strings.Repeat("x", 0), "", 1},
		{"setvbuf-flush", `io.stdout:setvbuf("full") io.write("a") io.write("b") io.flush() io.write("c") io.stdout:setvbuf("no") io.write("d")`, "abcd", "", 3},
		{"setvbuf-print", `io.stdout:setvbuf("full") io.write("a") print("b") io.write("c")`, "ab\nc", "", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errw, err := runCounting(t, tt.body)
			want := tt.out
			if tt.name == "setvbuf-full" {
				for i := 1; i <= 100; i++ {
					want += fmt.Sprint(i, " ")
				}
				want += "\n"
			}
			if err != nil || out.String() != want || errw.String() != tt.errOut || out.writes != tt.writes {
				t.Fatalf("err %v, stdout %q in %d writes, stderr %q; want %q in %d writes, stderr %q",
					err, out.String(), out.writes, errw.String(), want, tt.writes, tt.errOut)
			}
		})
	}
	if _, _, err := runIn(t, `io.write({})`, strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "s.lua:1:") {
		t.Fatalf("io.write of a table: %v", err)
	}
}

// TestLibs: the string, table, math and os functions scripts use.
func TestLibs(t *testing.T) {
	t.Setenv("NCAT_REMOTE_PORT", "4242")
	out, errs, err := runIn(t, `
local t = {}
for w in string.gmatch("the quick brown fox", "%a+") do t[#t + 1] = w end
table.sort(t)
print(table.concat(t, ","), #t)
print(string.format("%5.2f|%d|%s|%q|%x", 3.14159, 42, "s", "a\"b", 255))
print(("abc"):rep(2), ("Hello"):lower(), ("x=1, y=2"):gsub("%d", "#"))
print(string.byte("A"), string.char(72, 105), ("  trim  "):match("^%s*(.-)%s*$"), ("hello"):find("ll"))
print(math.floor(3.7), math.max(1, 9, 4), math.sqrt(16), math.abs(-2), math.huge > 1e308, math.pi > 3.14)
table.insert(t, 1, "first") print(t[1], table.remove(t), #t)
print(os.getenv("NCAT_REMOTE_PORT"), os.getenv("GCAT_SURELY_UNSET_VARIABLE"), type(os.time()), type(os.clock()))
print(tonumber("0x10"), tonumber("  12  "), tonumber("z"), 7 % 3, 2^0.5 > 1.41)
print(select(2, pcall(error, {code = 7})).code, pcall(error, "caught", 0))
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
print(co(1), co(10))
`, strings.NewReader(""))
	want := "brown,fox,quick,the\t4\n" +
		" 3.14|42|s|\"a\\\"b\"|ff\n" +
		"abcabc\thello\tx=#, y=#\t2\n" +
		"65\tHi\ttrim\t3\t4\n" +
		"3\t9\t4\t2\ttrue\ttrue\n" +
		"first\tthe\t4\n" +
		"4242\tnil\tnumber\tnumber\n" +
		"16\t12\tnil\t1\ttrue\n" +
		"7\tfalse\tcaught\n" +
		"2\t20\n"
	if out != want || err != nil {
		t.Fatalf("err %v, stderr %q, stdout:\n%s\nwant:\n%s", err, errs, out, want)
	}
}

// TestOwnFiles: files the script opens are gopher-lua's, and io.input,
// io.output, io.lines(name) and io.close work with them next to the
// standard streams.
func TestOwnFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "out.txt")
	out, errs, err := runIn(t, fmt.Sprintf(`
for l in io.lines(%[1]q) do io.write("[", l, "]") end
io.write("\n")
local f = assert(io.open(%[1]q))
print(io.type(f), f:read("l"))
f:close()
print(io.type(f))
io.input(%[1]q)
print(io.read(), io.read())
io.input(io.stdin)
print(io.read())
io.output(%[2]q)
io.write("to the file\n")
io.close()
io.output(io.stdout)
print(assert(io.open(%[2]q)):read("a"))
print(pcall(io.input, %[3]q))
`, in, outPath, filepath.Join(dir, "missing")), strings.NewReader("from stdin\n"))
	want := "[one][two]\nfile\tone\nclosed file\none\ttwo\nfrom stdin\nto the file\n\nfalse\t"
	if err != nil || !strings.HasPrefix(out, want) || !strings.Contains(out, "cannot open file") {
		t.Fatalf("err %v, stderr %q, stdout %q; want %q...", err, errs, out, want)
	}
}

// TestExit: os.exit ends the script at once, cannot be caught by pcall,
// keeps what was written (buffered or not) and is an *ExitError unless the
// status is 0.
func TestExit(t *testing.T) {
	for _, tt := range []struct {
		body string
		code int // -1: no error
	}{
		{`os.exit(3)`, 3},
		{`os.exit(0)`, -1},
		{`os.exit()`, -1},
		{`os.exit(true)`, -1},
		{`os.exit(false)`, 1},
		{`os.exit(2, true)`, 2},
		{`pcall(os.exit, 4) io.write("not reached")`, 4},
		{`coroutine.wrap(function() os.exit(5) end)() io.write("not reached")`, 5},
		{`io.stdout:setvbuf("full") io.write("buffered ") os.exit(6)`, 6},
	} {
		out, _, err := runIn(t, `io.write("before ") `+tt.body+` io.write("after")`, strings.NewReader(""))
		var ee *ExitError
		switch {
		case tt.code < 0 && err != nil, tt.code >= 0 && (!errors.As(err, &ee) || ee.Code != tt.code):
			t.Errorf("%s: err %v, want exit code %d", tt.body, err, tt.code)
		case !strings.HasPrefix(out, "before ") || strings.Contains(out, "reached") || strings.Contains(out, "after"):
			t.Errorf("%s: stdout %q", tt.body, out)
		case strings.Contains(tt.body, "buffered") && out != "before buffered ":
			t.Errorf("%s: the buffer was lost: %q", tt.body, out)
		}
	}
	if _, _, err := runIn(t, `os.exit("x")`, strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "number expected") {
		t.Errorf("os.exit with a string: %v", err)
	}

	out, _, code := runChild(t, script(t, `io.stdout:setvbuf("full") io.write("bye\n") os.exit(3)`), "")
	if out != "bye\n" || code != 3 {
		t.Errorf("child: stdout %q, exit %d; want exit 3", out, code)
	}
	if _, _, code := runChild(t, script(t, `os.exit(false)`), ""); code != 1 {
		t.Errorf("child: os.exit(false) exited %d", code)
	}
}

// TestErrors: a runtime error names the script and line, after what was
// written; a syntax error or a missing file is found by Check before any
// connection, and by Run.
func TestErrors(t *testing.T) {
	out, _, err := runIn(t, "io.write('x')\nlocal t = nil\nprint(t.field)\n", strings.NewReader(""))
	if out != "x" || err == nil || !strings.Contains(err.Error(), "s.lua:3:") {
		t.Errorf("runtime error: stdout %q, err %v", out, err)
	}
	out, _, err = runIn(t, "io.stdout:setvbuf('full') io.write('y')\nerror('boom')\n", strings.NewReader(""))
	if out != "y" || err == nil || !strings.Contains(err.Error(), "s.lua:2: boom") || !strings.HasPrefix(err.Error(), "error running the Lua script: ") {
		t.Errorf("error(): stdout %q, err %v", out, err)
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		t.Errorf("a runtime error is an *ExitError: %v", err)
	}

	syntax := script(t, "print('a')\nif then\n")
	for name, err := range map[string]error{"Check": Check(syntax), "RunWith": RunWith(syntax, strings.NewReader(""), io.Discard, io.Discard)} {
		if err == nil || err.Error() != "cannot load the Lua script: "+syntax+":2: syntax error near 'then'" {
			t.Errorf("%s of a syntax error: %v", name, err)
		}
	}
	if err := Check("/nonexistent/x.lua"); err == nil || err.Error() != "cannot open the Lua script /nonexistent/x.lua: no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if err := Check(script(t, "#!/usr/bin/env lua\nprint(1)\n")); err != nil {
		t.Errorf("a valid script with a #! line: %v", err)
	}

	_, errs, code := runChild(t, script(t, "io.write('x')\nerror('boom')\n"), "")
	if code != 1 || !strings.Contains(errs, "s.lua:2: boom") {
		t.Errorf("child: exit %d, stderr %q", code, errs)
	}
}

// TestLoadErrors: load errors read as Lua 5.3's, "path:line: message",
// whether the parser or the compiler finds them.
func TestLoadErrors(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{"print(1)\nx = = 2\n", ":2: syntax error near '='"},
		{"if x then\n", ": syntax error near <eof>"},
		{"x = 'abc", ": unterminated string near <eof>"},
		{"print(1)\nbreak\n", ":2: no loop to break"},
		{"return 1 & 2\n", ":1: Invalid token near '&'"}, // Lua 5.3's bit operators
	} {
		path := script(t, tt.body)
		if err := Check(path); err == nil || err.Error() != "cannot load the Lua script: "+path+tt.want {
			t.Errorf("%q: %v; want ...%s", tt.body, err, tt.want)
		}
	}
}
