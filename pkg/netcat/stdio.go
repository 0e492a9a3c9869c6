package netcat

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/gcat-dev/gcat/internal/sys"
	"github.com/gcat-dev/gcat/pkg/halfclose"
)

// stdio is the local side of a relay.
type stdio struct {
	in       io.Reader
	out      io.Writer
	terminal bool // stdin is a terminal
}

func (s stdio) kind() localKind {
	if s.terminal {
		return localTerminal
	}
	return localStream
}

// stdio prepares stdin and stdout for a relay. shared keeps stdout open when
// one connection ends (-k serves many).
//
// A pipe or terminal on stdin is reopened through /proc/self/fd/0 with
// O_NONBLOCK: that gives gcat its own open file description, pollable, so a
// read can be interrupted when the peer has gone (no hang in CLOSE_WAIT),
// without switching the shared description to non-blocking under the shell
// or the other processes of a pipeline. Regular files are used as they are
// (sendfile applies, and a read never blocks).
func (r *runner) stdio(shared bool) stdio {
	s := stdio{in: r.cfg.Stdin, out: r.cfg.Stdout}
	if shared {
		s.out = halfclose.NopCloser(r.cfg.Stdout)
	}
	fd := int(r.cfg.Stdin.Fd())
	s.terminal = term.IsTerminal(fd)
	if f := sys.Pollable(r.cfg.Stdin); f != nil {
		s.in = f
	}
	return s
}

// stopReader makes a blocked Read on r return, if r can be interrupted;
// it reports whether it could.
func stopReader(r io.Reader) bool {
	d, ok := r.(interface{ SetReadDeadline(time.Time) error })
	return ok && d.SetReadDeadline(time.Unix(1, 0)) == nil
}

// closeStdin closes stdin, and the description of it gcat opened, if any.
func closeStdin(in io.Reader, stdin *os.File) {
	if f, ok := in.(*os.File); ok && f != stdin {
		f.Close()
	}
	stdin.Close()
}
