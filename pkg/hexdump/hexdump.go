// Package hexdump writes ncat's -x/--hex-dump format, byte for byte.
//
// Measured against ncat 7.93 (ncat -l 127.0.0.1 PORT -x FILE, driven by a
// loopback client sending chunks of 1, 8, 15, 16, 17, 33, 100 and 256 bytes
// covering 0x00-0xff, with the server's stdin sending replies in between):
//
//	0000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................
//	0010   10 20 41 7e 7f 80 ff                              ..A~...
//
// (the last line is padded with spaces to the full 16-character column).
//
//   - One line per 16 bytes: the offset as %04x (lowercase, at least four
//     digits), three spaces, each byte as "%02x " (lowercase) with one extra
//     space after the eighth, missing bytes as three spaces, one more space,
//     then 16 character columns and "\n".
//   - Character column: 0x21-0x7e as themselves, everything else (space,
//     control bytes, 0x7f, 0x80-0xff) as '.'; short lines are padded with
//     spaces to 16 columns.
//   - Every read and every write is dumped on its own, its offset restarting
//     at 0000 (ncat reads at most 8192 bytes at a time, so offsets stay at
//     four digits in practice). Data received from the socket and data sent to
//     it go to the same file, in the order they pass, with no direction
//     marker, header, separator or blank line. Empty chunks produce nothing.
//   - The file is created (mode 0666 before umask) and truncated when ncat
//     starts, before any connection; with --append-output it is appended to.
//     Opening the file is the caller's job; this package only formats.
package hexdump

import (
	"io"
	"sync"
)

// Dumper writes ncat's hex dump of each chunk it is given. It is safe for
// concurrent use (both relay directions call it); each chunk's dump reaches
// the underlying writer in a single Write, never interleaved with another.
type Dumper struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// New returns a Dumper writing to w.
func New(w io.Writer) *Dumper { return &Dumper{w: w} }

// Dump writes the dump of one chunk, as ncat dumps one read or write, with
// offsets starting at 0000. An empty chunk writes nothing. It returns the
// underlying writer's error.
func (d *Dumper) Dump(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.buf = appendDump(d.buf[:0], p)
	_, err := d.w.Write(d.buf)
	if cap(d.buf) > 64<<10 {
		d.buf = nil // don't keep a huge buffer around after a huge chunk
	}
	return err
}

const hexDigits = "0123456789abcdef"

// appendDump appends the dump of one chunk to dst.
func appendDump(dst, p []byte) []byte {
	for off := 0; off < len(p); off += 16 {
		line := p[off:min(off+16, len(p))]
		dst = appendOffset(dst, off)
		dst = append(dst, "   "...)
		for i := range 16 {
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
		for i := range 16 {
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

// appendOffset appends off as printf's %04x does.
func appendOffset(dst []byte, off int) []byte {
	var b [16]byte
	i := len(b)
	for off > 0 || i > len(b)-4 {
		i--
		b[i] = hexDigits[off&15]
		off >>= 4
	}
	return append(dst, b[i:]...)
}
