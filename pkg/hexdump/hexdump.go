// Package hexdump writes ncat's -x/--hex-dump format, byte for byte as ncat
// 7.93 writes it (measured): every chunk read from either side is dumped on
// its own, its offsets starting at 0000, with no direction marker:
//
//	0000   68 65 6c 6c 6f 20 77 6f  72 6c 64 20 31 32 33 34  hello.world.1234
//	0010   35 36 0a                                          56.
//
// Offsets are four lowercase hex digits (more when a chunk is longer than
// 64 KiB), three spaces, sixteen lowercase hex bytes with an extra space
// after the eighth, two spaces, then the bytes as characters, anything but
// printable ASCII (space included) shown as '.', padded to sixteen columns.
package hexdump

import (
	"fmt"
	"io"
	"sync"
)

// Dumper writes the hex dump of each chunk it is given. It is safe for
// concurrent use: both directions of a relay dump into one file.
type Dumper struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// New returns a Dumper writing to w.
func New(w io.Writer) *Dumper { return &Dumper{w: w} }

// Dump writes one chunk, as ncat dumps one read.
func (d *Dumper) Dump(p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.buf = Append(d.buf[:0], p)
	_, err := d.w.Write(d.buf)
	return err
}

const hexDigits = "0123456789abcdef"

// Append appends the dump of one chunk to dst.
func Append(dst, p []byte) []byte {
	for off := 0; off < len(p); off += 16 {
		line := p[off:min(off+16, len(p))]
		dst = fmt.Appendf(dst, "%04x   ", off)
		for i := 0; i < 16; i++ {
			if i < len(line) {
				dst = append(dst, hexDigits[line[i]>>4], hexDigits[line[i]&15], ' ')
			} else {
				dst = append(dst, "   "...)
			}
			if i == 7 {
				dst = append(dst, ' ')
			}
		}
		dst = append(dst, ' ')
		for i := 0; i < 16; i++ {
			c := byte(' ')
			if i < len(line) {
				c = line[i]
				if c <= ' ' || c > '~' {
					c = '.'
				}
			}
			dst = append(dst, c)
		}
		dst = append(dst, '\n')
	}
	return dst
}
