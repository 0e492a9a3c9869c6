// Package luaexec runs ncat --lua-exec scripts on gopher-lua, a pure-Go Lua
// 5.1. As in ncat, the script runs in a child process whose stdin and stdout
// are the connection (gcat runs itself as an exec child for --lua-exec), so
// io.read, io.write, io.lines and print work on the connection unchanged and
// os.getenv sees the NCAT_* variables.
//
// ncat embeds Lua 5.3, so the io library on the standard streams is replaced
// (see stdio.go) to accept 5.3's spellings of the read formats ("l", "L",
// "n", "a" as well as "*l"...), and to write through at once: what a script
// writes reaches the peer before the script next waits for input, unless the
// script asked for io.stdout:setvbuf("full"). os.exit flushes and ends the
// script with its status, which RunWith returns as an *ExitError for the
// caller to exit with. The rest of the language is Lua 5.1's.
package luaexec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// ChildArg, as gcat's first argument, before a script's path, makes gcat
// run that script on its own stdin and stdout: --lua-exec runs gcat itself
// as the exec child, so the script is relayed like any -e program.
const ChildArg = "--lua-exec-child"

// ExitError is returned by RunWith when the script called os.exit with a
// status other than success. The process running the script should exit
// with Code (only its low 8 bits reach the parent on Unix).
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("the Lua script exited with status %d", e.Code)
}

// Check loads the script without running it, so that a missing file or a
// syntax error is reported before any connection.
func Check(path string) error {
	L := lua.NewState()
	defer L.Close()
	_, err := load(L, path)
	return err
}

// Run runs the script with the process's stdin, stdout and stderr.
func Run(path string) error {
	return RunWith(path, os.Stdin, os.Stdout, os.Stderr)
}

// RunWith runs the script with stdin, stdout and stderr as io.stdin,
// io.stdout and io.stderr. It returns when the script ends: nil when it ran
// to its end or called os.exit with success, an *ExitError for any other
// os.exit status, and otherwise the error that stopped it. Everything the
// script wrote, buffered or not, has been written to stdout and stderr by
// then. stdin is read only when the script reads, through a buffer whose
// unread rest is dropped when the script ends.
func RunWith(path string, stdin io.Reader, stdout, stderr io.Writer) error {
	L := lua.NewState()
	defer L.Close()
	fn, err := load(L, path)
	if err != nil {
		return err
	}
	s := newSession(L, stdin, stdout, stderr)
	// The script runs on its own goroutine so that os.exit can end it
	// with runtime.Goexit, which no pcall, coroutine or error handler in
	// the script can catch (C's exit does not return either).
	done := make(chan error, 1)
	go s.run(L, fn, done)
	err = <-done
	s.flush()
	if err != nil {
		return err
	}
	if s.exited && s.exitCode != 0 {
		return &ExitError{Code: s.exitCode}
	}
	return nil
}

// run calls the script's main chunk and sends its error, or nil, to done;
// it sends nil too when os.exit ended the goroutine.
func (s *session) run(L *lua.LState, fn *lua.LFunction, done chan<- error) {
	var err error
	defer func() { done <- err }()
	L.Push(fn)
	if perr := L.PCall(0, 0, nil); perr != nil {
		err = runError(perr)
	}
}

// exit is os.exit([status [, close]]) as in Lua 5.3: status true (the
// default) is success, false is failure, a number is the status itself. It
// writes out what is buffered and ends the script's goroutine; close is
// ignored, the state being closed by RunWith anyway.
func (s *session) exit(L *lua.LState) int {
	code := 0
	switch v := L.Get(1); v.Type() {
	case lua.LTNil, lua.LTBool:
		if v == lua.LFalse {
			code = 1
		}
	default:
		code = L.CheckInt(1)
	}
	s.exited, s.exitCode = true, code
	s.flush()
	runtime.Goexit()
	return 0
}

// load checks that path can be opened and compiles it.
func load(L *lua.LState, path string) (*lua.LFunction, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot open the Lua script %s: %w", path, err)
	}
	f.Close()
	fn, err := L.LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot load the Lua script: %s", loadMessage(path, err))
	}
	return fn, nil
}

// loadMessage words a load error as Lua 5.3 does, "path:line: message near
// 'token'", instead of gopher-lua's "path line:2(column:4) near 'token':
// message" with a trailing newline.
func loadMessage(path string, err error) string {
	var pe *parse.Error
	var ce *lua.CompileError
	switch {
	case errors.As(apiCause(err), &pe) && pe.Pos.Line == parse.EOF:
		return fmt.Sprintf("%s: %s near <eof>", path, pe.Message)
	case errors.As(apiCause(err), &pe):
		return fmt.Sprintf("%s:%d: %s near '%s'", path, pe.Pos.Line, pe.Message, pe.Token)
	case errors.As(apiCause(err), &ce):
		return fmt.Sprintf("%s:%d: %s", path, ce.Line, ce.Message)
	}
	return err.Error()
}

// apiCause is the error under a gopher-lua *ApiError, which has no Unwrap.
func apiCause(err error) error {
	var ae *lua.ApiError
	if errors.As(err, &ae) && ae.Cause != nil {
		return ae.Cause
	}
	return err
}

// runError words an error raised by the script as ncat does: the message
// ("path:line: message" for error("message")) and Lua's stack traceback.
func runError(err error) error {
	var ae *lua.ApiError
	if !errors.As(err, &ae) {
		return fmt.Errorf("error running the Lua script: %w", err)
	}
	msg := ae.Object.String()
	if ae.StackTrace != "" {
		msg += "\n" + ae.StackTrace
	}
	return fmt.Errorf("error running the Lua script: %s", msg)
}
