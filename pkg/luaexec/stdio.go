package luaexec

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// stream is one of io.stdin, io.stdout and io.stderr. Standard files cannot
// be closed (as in Lua 5.3, close answers "cannot close standard file"), so
// a stream is open for the whole run.
type stream struct {
	name string
	r    *bufio.Reader // nil if not readable
	w    io.Writer     // nil if not writable
	buf  *bufio.Writer // set by setvbuf("full"); nil means every write goes through
}

const streamType = "gcat.luaexec.stream"

// session is one run of a script: its standard streams, the io functions
// bound to them, and what os.exit asked for.
type session struct {
	stdin, stdout, stderr *stream
	defIn, defOut         lua.LValue  // io.input() and io.output(): a stream or a gopher-lua file
	orig                  *lua.LTable // gopher-lua's io library, for files the script opens itself
	exited                bool
	exitCode              int
}

// newSession binds L's io.stdin, io.stdout, io.stderr, the io functions
// that use them, print and os.exit to stdin, stdout and stderr.
func newSession(L *lua.LState, stdin io.Reader, stdout, stderr io.Writer) *session {
	s := &session{
		stdin:  &stream{name: "stdin", r: bufio.NewReaderSize(stdin, 32<<10)},
		stdout: &stream{name: "stdout", w: stdout},
		stderr: &stream{name: "stderr", w: stderr},
	}
	ioLib := L.GetGlobal("io").(*lua.LTable)
	s.orig = L.NewTable()
	ioLib.ForEach(func(k, v lua.LValue) { s.orig.RawSet(k, v) })
	s.bindStreams(L, ioLib)
	L.SetFuncs(ioLib, map[string]lua.LGFunction{
		"read":   s.ioRead,
		"write":  s.ioWrite,
		"lines":  s.ioLines,
		"input":  s.ioInput,
		"output": s.ioOutput,
		"close":  s.ioClose,
		"flush":  s.ioFlush,
		"type":   s.ioType,
	})
	acceptLua53Formats(L)
	L.SetGlobal("print", L.NewFunction(s.print))
	L.SetField(L.GetGlobal("os"), "exit", L.NewFunction(s.exit))
	return s
}

// bindStreams makes io.stdin, io.stdout and io.stderr the session's
// streams, with their methods.
func (s *session) bindStreams(L *lua.LState, ioLib *lua.LTable) {
	mt := L.NewTypeMetatable(streamType)
	mt.RawSetString("__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"read":    s.fileRead,
		"write":   s.fileWrite,
		"lines":   s.fileLines,
		"flush":   s.fileFlush,
		"close":   s.fileClose,
		"setvbuf": s.fileSetvbuf,
		"seek":    s.fileSeek,
	}))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("file (" + checkStream(L, 1).name + ")"))
		return 1
	}))
	ud := func(st *stream) *lua.LUserData {
		u := L.NewUserData()
		u.Value = st
		L.SetMetatable(u, mt)
		return u
	}
	in, out, errUD := ud(s.stdin), ud(s.stdout), ud(s.stderr)
	s.defIn, s.defOut = in, out
	ioLib.RawSetString("stdin", in)
	ioLib.RawSetString("stdout", out)
	ioLib.RawSetString("stderr", errUD)
}

// acceptLua53Formats lets gopher-lua's own files, which know only Lua 5.1's
// spellings of the read formats ("*l"), take Lua 5.3's ("l") too.
func acceptLua53Formats(L *lua.LState) {
	fileMT, ok := L.GetTypeMetatable("FILE*").(*lua.LTable)
	if !ok {
		return
	}
	read, ok := fileMT.RawGetString("read").(*lua.LFunction)
	if !ok {
		return
	}
	fileMT.RawSetString("read", L.NewFunction(func(L *lua.LState) int {
		a := args(L, 1)
		for i, v := range a[min(1, len(a)):] {
			if f, ok := v.(lua.LString); ok && len(f) > 0 && strings.IndexByte("lan", f[0]) >= 0 {
				a[i+1] = "*" + f
			}
		}
		return call(L, read, a)
	}))
}

// flush writes out what setvbuf("full") buffers hold.
func (s *session) flush() {
	s.stdout.flush()
	s.stderr.flush()
}

func asStream(v lua.LValue) *stream {
	if u, ok := v.(*lua.LUserData); ok {
		if st, ok := u.Value.(*stream); ok {
			return st
		}
	}
	return nil
}

func checkStream(L *lua.LState, n int) *stream {
	st := asStream(L.Get(n))
	if st == nil {
		L.ArgError(n, "file expected")
	}
	return st
}

// fileResult returns Lua's nil, message, errno for a failed operation.
func fileResult(L *lua.LState, msg string, errno int) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	L.Push(lua.LNumber(errno))
	return 3
}

const (
	errnoEBADF  = 9
	errnoESPIPE = 29
	errnoEIO    = 5
)

func (st *stream) write(p []byte) error {
	if st.buf != nil {
		_, err := st.buf.Write(p)
		return err
	}
	_, err := st.w.Write(p)
	return err
}

func (st *stream) flush() error {
	if st.buf != nil {
		return st.buf.Flush()
	}
	return nil
}

// writeArgs writes the strings and numbers at first..top in one write, and
// returns the file (Lua 5.3) or nil, message, errno.
func (st *stream) writeArgs(L *lua.LState, first int, file lua.LValue) int {
	if st.w == nil {
		return fileResult(L, "Bad file descriptor", errnoEBADF)
	}
	var b []byte
	for i := first; i <= L.GetTop(); i++ {
		L.CheckTypes(i, lua.LTString, lua.LTNumber)
		b = append(b, lua.LVAsString(L.Get(i))...)
	}
	if len(b) == 0 {
		L.Push(file)
		return 1
	}
	if err := st.write(b); err != nil {
		return fileResult(L, err.Error(), errnoEIO)
	}
	L.Push(file)
	return 1
}

// read reads the formats of Lua's file:read (argument n of the Lua call is
// formats[n-argBase]); it stops at the first that finds nothing, which is
// nil. A read error is reported as Lua does, nil, message, errno.
func (st *stream) read(L *lua.LState, formats []lua.LValue, argBase int) int {
	if st.r == nil {
		return fileResult(L, "Bad file descriptor", errnoEBADF)
	}
	if len(formats) == 0 {
		formats = []lua.LValue{lua.LString("l")}
	}
	top := L.GetTop()
	for i, f := range formats {
		v, err := st.readOne(L, f, argBase+i)
		if err != nil {
			L.SetTop(top)
			return fileResult(L, err.Error(), errnoEIO)
		}
		L.Push(v)
		if v == lua.LNil {
			break
		}
	}
	return L.GetTop() - top
}

// readOne reads one format; lua.LNil means end of input (or, for "n", no
// number).
func (st *stream) readOne(L *lua.LState, format lua.LValue, arg int) (lua.LValue, error) {
	r := st.r
	switch f := format.(type) {
	case lua.LNumber:
		n := int64(f)
		if n <= 0 {
			if _, err := r.Peek(1); err == io.EOF {
				return lua.LNil, nil
			} else if err != nil {
				return nil, err
			}
			return lua.LString(""), nil
		}
		var b bytes.Buffer
		_, err := io.CopyN(&b, r, n)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if b.Len() == 0 {
			return lua.LNil, nil
		}
		return lua.LString(b.String()), nil
	case lua.LString:
		p := strings.TrimPrefix(string(f), "*")
		if p != "" {
			switch p[0] {
			case 'l', 'L':
				b, err := r.ReadBytes('\n')
				if err != nil && err != io.EOF {
					return nil, err
				}
				if len(b) == 0 {
					return lua.LNil, nil
				}
				if p[0] == 'l' {
					b = bytes.TrimSuffix(b, []byte{'\n'})
				}
				return lua.LString(b), nil
			case 'a':
				b, err := io.ReadAll(r)
				if err != nil {
					return nil, err
				}
				return lua.LString(b), nil
			case 'n':
				return readNumber(r)
			}
		}
	}
	L.ArgError(arg, "invalid format")
	return nil, nil
}

// lines returns an iterator that reads formats from st until one finds
// nothing; a read error is raised, as Lua's io.lines does.
func (st *stream) lines(L *lua.LState, formats []lua.LValue) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		L.SetTop(0)
		n := st.read(L, formats, 2)
		if n == 3 && L.Get(1) == lua.LNil && L.Get(2).Type() == lua.LTString {
			L.RaiseError("%s", L.Get(2).String())
		}
		if L.Get(1) == lua.LNil {
			L.SetTop(0)
			L.Push(lua.LNil)
			return 1
		}
		return n
	})
}

func args(L *lua.LState, first int) []lua.LValue {
	var a []lua.LValue
	for i := first; i <= L.GetTop(); i++ {
		a = append(a, L.Get(i))
	}
	return a
}

// The methods of io.stdin, io.stdout and io.stderr.

func (s *session) fileRead(L *lua.LState) int {
	st := checkStream(L, 1)
	return st.read(L, args(L, 2), 2)
}

func (s *session) fileWrite(L *lua.LState) int {
	st := checkStream(L, 1)
	return st.writeArgs(L, 2, L.Get(1))
}

func (s *session) fileLines(L *lua.LState) int {
	st := checkStream(L, 1)
	L.Push(st.lines(L, args(L, 2)))
	return 1
}

func (s *session) fileFlush(L *lua.LState) int {
	st := checkStream(L, 1)
	if err := st.flush(); err != nil {
		return fileResult(L, err.Error(), errnoEIO)
	}
	L.Push(L.Get(1))
	return 1
}

func (s *session) fileClose(L *lua.LState) int {
	checkStream(L, 1)
	L.Push(lua.LNil)
	L.Push(lua.LString("cannot close standard file"))
	return 2
}

func (s *session) fileSetvbuf(L *lua.LState) int {
	st := checkStream(L, 1)
	mode := L.CheckOption(2, []string{"no", "full", "line"})
	size := L.OptInt(3, 8192)
	if st.w == nil {
		L.Push(lua.LTrue)
		return 1
	}
	if err := st.flush(); err != nil {
		return fileResult(L, err.Error(), errnoEIO)
	}
	st.buf = nil
	if mode == 1 {
		st.buf = bufio.NewWriterSize(st.w, max(size, 16))
	}
	// "line" writes through like "no": each write is one call anyway.
	L.Push(lua.LTrue)
	return 1
}

func (s *session) fileSeek(L *lua.LState) int {
	checkStream(L, 1)
	return fileResult(L, "Illegal seek", errnoESPIPE)
}
