package listen

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// socketBound reports whether a socket is bound to the Unix socket path,
// from the kernel's table of Unix sockets (/proc/net/unix). known is false
// when the table cannot be read.
//
// The table has each path as it was given to bind(2), relative or not: a
// relative entry with path's base name counts as a match, since its
// directory cannot be known — when in doubt, the socket is taken as live.
func socketBound(path string) (bound, known bool) {
	f, err := os.Open("/proc/net/unix")
	if err != nil {
		return false, false
	}
	defer f.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, false
	}
	s := bufio.NewScanner(f)
	s.Scan() // the header
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 8 {
			continue
		}
		p := strings.Join(fields[7:], " ")
		switch {
		case p == path || p == abs:
			return true, true
		case !filepath.IsAbs(p) && filepath.Base(p) == filepath.Base(abs):
			return true, true
		}
	}
	return false, s.Err() == nil
}
