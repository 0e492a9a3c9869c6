// Package luaexec runs ncat --lua-exec scripts on gopher-lua, a pure-Go Lua
// 5.1. As in ncat, the script runs in a child process whose stdin and stdout
// are the connection (gcat runs itself as an exec child for --lua-exec), so
// io.read, io.write, io.lines and print work on the connection unchanged,
// os.getenv sees the NCAT_* variables, and os.exit ends the child with its
// status. gopher-lua writes to the process's stdout unbuffered, so nothing
// is left unwritten when a script exits.
package luaexec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	lua "github.com/yuin/gopher-lua"
)

// Check loads the script without running it, so that a missing file or a
// syntax error is reported before any connection.
func Check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return explain(path, err)
	}
	f.Close()
	L := lua.NewState()
	defer L.Close()
	_, err = L.LoadFile(path)
	return explain(path, err)
}

// Run runs the script with the process's stdin, stdout and stderr.
func Run(path string) error {
	L := lua.NewState()
	defer L.Close()
	return explain(path, L.DoFile(path))
}

func explain(path string, err error) error {
	var pe *fs.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return fmt.Errorf("cannot open the Lua script %s: %w", path, pe.Err)
	}
	return fmt.Errorf("lua script %s: %v", path, err)
}
