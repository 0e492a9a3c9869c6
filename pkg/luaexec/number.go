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
	n := &numeral{r: r}
	if err := n.start(); err != nil {
		return nil, err
	}
	n.scan()
	if n.err != nil {
		return nil, n.err
	}
	if !n.eof {
		if err := r.UnreadByte(); err != nil {
			return nil, err
		}
	}
	if v, ok := parseNumber(string(n.buf)); ok {
		return lua.LNumber(v), nil
	}
	return lua.LNil, nil
}

// numeral is l_getn's reader: c is the character under consideration, buf
// what was taken before it.
type numeral struct {
	r   *bufio.Reader
	buf []byte
	c   byte
	eof bool
	err error
}

// maxNumeral is l_getn's L_MAXLENNUM.
const maxNumeral = 200

// start skips white space to the first character.
func (n *numeral) start() error {
	n.c, n.err = n.r.ReadByte()
	for n.err == nil && isSpace(n.c) {
		n.c, n.err = n.r.ReadByte()
	}
	if n.err == io.EOF {
		n.eof, n.err = true, nil
	}
	return n.err
}

// scan takes what can make a numeral: sign, 0x, digits, point, exponent.
func (n *numeral) scan() {
	count, hex := 0, false
	n.test2("-+")
	if n.test2("00") {
		if n.test2("xX") {
			hex = true
		} else {
			count = 1
		}
	}
	count += n.digits(hex)
	if n.test2("..") {
		count += n.digits(hex)
	}
	if count > 0 {
		exp := "eE"
		if hex {
			exp = "pP"
		}
		if n.test2(exp) {
			n.test2("-+")
			n.digits(false)
		}
	}
}

// next keeps c and reads the one after it.
func (n *numeral) next() bool {
	if len(n.buf) >= maxNumeral {
		n.buf = n.buf[:0]
		return false
	}
	n.buf = append(n.buf, n.c)
	n.c, n.err = n.r.ReadByte()
	if n.err == io.EOF {
		n.eof, n.err = true, nil
	}
	return n.err == nil
}

// test2 takes c if it is one of the two characters of set.
func (n *numeral) test2(set string) bool {
	if !n.eof && (n.c == set[0] || n.c == set[1]) {
		return n.next()
	}
	return false
}

func (n *numeral) digits(hex bool) int {
	count := 0
	for !n.eof && (isDigit(n.c) || hex && isHexDigit(n.c)) && n.next() {
		count++
	}
	return count
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
