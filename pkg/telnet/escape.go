package telnet

import (
	"bytes"
	"io"
)

// Escaper reads data to send to a telnet peer with IAC (255) doubled, as
// RFC 854 requires: the peer would read a lone 255 as the start of a
// command, and the byte after it would be lost.
type Escaper struct {
	r    io.Reader
	rest []byte // escaped, not yet returned
	err  error  // to return once rest is empty
}

// NewEscaper returns an Escaper reading r.
func NewEscaper(r io.Reader) *Escaper { return &Escaper{r: r} }

// Read returns r's data with IAC doubled.
func (e *Escaper) Read(p []byte) (int, error) {
	if len(e.rest) > 0 {
		n := copy(p, e.rest)
		e.rest = e.rest[n:]
		if len(e.rest) == 0 && e.err != nil {
			return n, e.err
		}
		return n, nil
	}
	n, err := e.r.Read(p)
	i := bytes.IndexByte(p[:n], iac)
	if i < 0 {
		return n, err
	}
	var esc []byte
	for _, c := range p[i:n] {
		esc = append(esc, c)
		if c == iac {
			esc = append(esc, iac)
		}
	}
	m := copy(p[i:], esc)
	if m < len(esc) {
		e.rest, e.err = esc[m:], err
		return i + m, nil
	}
	return i + m, err
}
