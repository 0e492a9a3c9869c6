package luaexec

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// readNumber is Lua 5.3's l_getn: it takes at most 200 characters that can
// make a numeral (after white space, a sign, "0x", digits, a point, an
// exponent), leaves the first other character unread, and converts them as
// tonumber does, nil if they are not a number.
func readNumber(r *bufio.Reader) (lua.LValue, error) {
	const maxLen = 200
	var buf []byte
	c, err := r.ReadByte()
	for err == nil && isSpace(c) {
		c, err = r.ReadByte()
	}
	eof := false
	if err == io.EOF {
		eof, err = true, nil
	} else if err != nil {
		return nil, err
	}
	// next keeps c and reads the one after it.
	next := func() bool {
		if len(buf) >= maxLen {
			buf = buf[:0]
			return false
		}
		buf = append(buf, c)
		c, err = r.ReadByte()
		if err == io.EOF {
			eof, err = true, nil
		}
		return err == nil
	}
	test2 := func(set string) bool {
		if !eof && (c == set[0] || c == set[1]) {
			return next()
		}
		return false
	}
	digits := func(hex bool) int {
		n := 0
		for !eof && (isDigit(c) || hex && isHexDigit(c)) && next() {
			n++
		}
		return n
	}
	count, hex := 0, false
	test2("-+")
	if test2("00") {
		if test2("xX") {
			hex = true
		} else {
			count = 1
		}
	}
	count += digits(hex)
	if test2("..") {
		count += digits(hex)
	}
	if count > 0 {
		exp := "eE"
		if hex {
			exp = "pP"
		}
		if test2(exp) {
			test2("-+")
			digits(false)
		}
	}
	if err != nil {
		return nil, err
	}
	if !eof {
		if err := r.UnreadByte(); err != nil {
			return nil, err
		}
	}
	if v, ok := parseNumber(string(buf)); ok {
		return lua.LNumber(v), nil
	}
	return lua.LNil, nil
}

func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// parseNumber converts a numeral as Lua's tonumber does.
func parseNumber(s string) (float64, bool) {
	neg := false
	body := s
	if body != "" && (body[0] == '-' || body[0] == '+') {
		neg, body = body[0] == '-', body[1:]
	}
	var v float64
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		if !strings.ContainsAny(body, ".pP") {
			u, err := strconv.ParseUint(body[2:], 16, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return 0, false
			}
			v = float64(u)
		} else {
			if !strings.ContainsAny(body, "pP") {
				body += "p0"
			}
			f, err := strconv.ParseFloat(body, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return 0, false
			}
			v = f
		}
	} else {
		if body == "" || !isDigit(body[0]) && body[0] != '.' || strings.ContainsAny(body, "xX_") {
			return 0, false
		}
		f, err := strconv.ParseFloat(body, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, false
		}
		v = f
	}
	if neg {
		v = -v
	}
	return v, true
}
