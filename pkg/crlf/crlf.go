// Package crlf turns bare line feeds into CR LF in a stream, as ncat's -C
// does for what it sends: "\n" becomes "\r\n", an existing "\r\n" is kept,
// also when a chunk boundary falls between its two bytes.
package crlf

import "io"

// Reader converts the line endings of what it reads.
type Reader struct {
	r       io.Reader
	raw     []byte
	out     []byte
	pending []byte
	err     error
	prevCR  bool // the last byte read was '\r'
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Read returns converted bytes. A read of the source is converted whole;
// what does not fit in p is returned by the next Reads before the source is
// read again, and the source's error waits until then.
func (c *Reader) Read(p []byte) (int, error) {
	if len(c.pending) == 0 && c.err == nil && len(p) > 0 {
		if cap(c.raw) < len(p) {
			c.raw = make([]byte, len(p))
		}
		n, err := c.r.Read(c.raw[:len(p)])
		c.out = c.out[:0]
		for _, b := range c.raw[:n] {
			if b == '\n' && !c.prevCR {
				c.out = append(c.out, '\r')
			}
			c.out = append(c.out, b)
			c.prevCR = b == '\r'
		}
		c.pending, c.err = c.out, err
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	if len(c.pending) == 0 && c.err != nil {
		err := c.err
		c.err = nil
		return n, err
	}
	return n, nil
}
