package rawterm

import (
	"errors"
	"fmt"
	"io"
)

// DefaultEscape is the escape character, as in ssh.
const DefaultEscape = '~'

// ErrQuit is returned by EscapeReader.Read when the user typed the quit
// escape (Enter ~ .).
var ErrQuit = errors.New("quit by escape")

// EscapeOptions configure an EscapeReader.
type EscapeOptions struct {
	// Char is the escape character. If zero, DefaultEscape.
	Char byte
	// Help, if set, is where Enter ~ ? writes the list of escapes (the
	// local terminal); if nil, ~? is not an escape.
	Help io.Writer
}

// EscapeReader reads keys from a raw terminal and acts on ssh's escapes.
// An escape is the escape character (~) typed first on a line: right after
// Enter (CR or LF) or as the first key of the session. Then
//
//	~.  quits: Read returns ErrQuit; nothing of the escape is sent
//	~~  sends one ~
//	~?  lists the escapes on Help (if set)
//
// and ~ followed by any other key sends both. The ~ is held back until the
// next key decides; a ~ still held at the end of input is sent.
type EscapeReader struct {
	r    io.Reader
	opt  EscapeOptions
	buf  []byte // read from r, not yet filtered
	out  []byte // filtered, not yet returned
	err  error  // to return once out is empty
	bol  bool   // at the beginning of a line
	held bool   // an escape character is held back
}

// NewEscapeReader returns an EscapeReader reading r.
func NewEscapeReader(r io.Reader, opt EscapeOptions) *EscapeReader {
	if opt.Char == 0 {
		opt.Char = DefaultEscape
	}
	return &EscapeReader{r: r, opt: opt, bol: true}
}

// Read returns the keys to send.
func (e *EscapeReader) Read(p []byte) (int, error) {
	for len(e.out) == 0 && e.err == nil {
		if cap(e.buf) < len(p) {
			e.buf = make([]byte, len(p))
		}
		n, err := e.r.Read(e.buf[:len(p)])
		e.filter(e.buf[:n])
		if err != nil && e.err == nil {
			if e.held && err == io.EOF {
				e.out = append(e.out, e.opt.Char)
				e.held = false
			}
			e.err = err
		}
	}
	n := copy(p, e.out)
	e.out = e.out[n:]
	if len(e.out) == 0 {
		e.out = nil
		if n == 0 {
			return 0, e.err
		}
	}
	return n, nil
}

// filter moves b to out, acting on escapes. After a quit the rest of b is
// dropped.
func (e *EscapeReader) filter(b []byte) {
	for i, c := range b {
		if e.held {
			e.held = false
			switch {
			case c == '.':
				e.err = ErrQuit
				return
			case c == e.opt.Char:
				e.out = append(e.out, c)
				e.bol = false
				continue
			case c == '?' && e.opt.Help != nil:
				e.help()
				continue // still at the beginning of the line
			}
			e.out = append(e.out, e.opt.Char)
		} else if e.bol && c == e.opt.Char {
			e.held = true
			continue
		}
		e.out = append(e.out, b[i])
		e.bol = c == '\r' || c == '\n'
	}
}

func (e *EscapeReader) help() {
	ch := string(e.opt.Char)
	// The terminal is raw: lines end in CR LF.
	fmt.Fprintf(e.opt.Help, "%s?\r\nSupported escape sequences:\r\n"+
		" %s.   - quit\r\n"+
		" %s?   - this message\r\n"+
		" %s%s   - send the escape character\r\n"+
		"(Escapes are recognized only after a newline.)\r\n", ch, ch, ch, ch, ch)
}
