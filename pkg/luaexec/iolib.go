package luaexec

import lua "github.com/yuin/gopher-lua"

// The functions of the io library that use the standard streams or the
// default input and output. When the script has made one of its own files
// the default (io.input(f), io.output(name)), they call that file's method.

// method calls obj:name(a...) and returns its results.
func method(L *lua.LState, obj lua.LValue, name string, a []lua.LValue) int {
	return call(L, L.GetField(obj, name), append([]lua.LValue{obj}, a...))
}

// call calls fn(a...) and returns its results.
func call(L *lua.LState, fn lua.LValue, a []lua.LValue) int {
	top := L.GetTop()
	L.Push(fn)
	for _, v := range a {
		L.Push(v)
	}
	L.Call(len(a), lua.MultRet)
	return L.GetTop() - top
}

func (s *session) ioRead(L *lua.LState) int {
	if st := asStream(s.defIn); st != nil {
		return st.read(L, args(L, 1), 1)
	}
	return method(L, s.defIn, "read", args(L, 1))
}

func (s *session) ioWrite(L *lua.LState) int {
	if st := asStream(s.defOut); st != nil {
		return st.writeArgs(L, 1, s.defOut)
	}
	return method(L, s.defOut, "write", args(L, 1))
}

func (s *session) ioLines(L *lua.LState) int {
	if L.Get(1) != lua.LNil {
		return call(L, s.orig.RawGetString("lines"), args(L, 1)) // io.lines(name) is gopher-lua's
	}
	if st := asStream(s.defIn); st != nil {
		L.Push(st.lines(L, args(L, 2)))
		return 1
	}
	return method(L, s.defIn, "lines", args(L, 2))
}

func (s *session) ioFlush(L *lua.LState) int {
	if st := asStream(s.defOut); st != nil {
		if err := st.flush(); err != nil {
			return fileResult(L, err.Error(), errnoEIO)
		}
		L.Push(lua.LTrue)
		return 1
	}
	return method(L, s.defOut, "flush", nil)
}

func (s *session) ioClose(L *lua.LState) int {
	f := L.Get(1)
	if f == lua.LNil {
		f = s.defOut
	}
	if asStream(f) != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("cannot close standard file"))
		return 2
	}
	return method(L, f, "close", nil)
}

func (s *session) ioType(L *lua.LState) int {
	if asStream(L.Get(1)) != nil {
		L.Push(lua.LString("file"))
		return 1
	}
	return call(L, s.orig.RawGetString("type"), args(L, 1))
}

func (s *session) ioInput(L *lua.LState) int {
	return s.setDefault(L, &s.defIn, "r")
}

func (s *session) ioOutput(L *lua.LState) int {
	return s.setDefault(L, &s.defOut, "w")
}

// setDefault is io.input and io.output: with a file name it opens that file
// with gopher-lua's io.open, with a file it takes that file, and it returns
// the default.
func (s *session) setDefault(L *lua.LState, def *lua.LValue, mode string) int {
	switch v := L.Get(1); v.Type() {
	case lua.LTNil:
	case lua.LTString, lua.LTNumber:
		L.Push(s.orig.RawGetString("open"))
		L.Push(v)
		L.Push(lua.LString(mode))
		L.Call(2, 2)
		f, msg := L.Get(-2), L.Get(-1)
		if f == lua.LNil {
			L.RaiseError("cannot open file '%s' (%s)", lua.LVAsString(v), msg.String())
		}
		*def = f
	default:
		if asStream(v) == nil {
			L.Push(s.orig.RawGetString("type"))
			L.Push(v)
			L.Call(1, 1)
			if L.Get(-1).String() != "file" {
				L.ArgError(1, "file expected")
			}
		}
		*def = v
	}
	L.Push(*def)
	return 1
}

// print writes its arguments, converted by tostring, separated by tabs and
// ended by a newline, to io.stdout in one write, and flushes it, as Lua
// 5.3's does.
func (s *session) print(L *lua.LState) int {
	var b []byte
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b = append(b, '\t')
		}
		b = append(b, L.ToStringMeta(L.Get(i)).String()...)
	}
	b = append(b, '\n')
	if s.stdout.write(b) == nil {
		s.stdout.flush()
	}
	return 0
}
