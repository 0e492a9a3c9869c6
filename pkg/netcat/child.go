package netcat

import (
	"io"
	"net"

	gexec "github.com/gcat-dev/gcat/pkg/exec"
	"github.com/gcat-dev/gcat/pkg/ptyexec"
	"github.com/gcat-dev/gcat/pkg/telnet"
)

// child is the program a connection is relayed with: on two pipes
// (pkg/exec, ncat's design) or on a pseudo-terminal (pkg/ptyexec, --pty).
type child interface {
	Pid() int
	// Stop ends the child once the relay is done: its input closed, a
	// grace to exit, then signals; it reaps it and returns how it ended.
	Stop() error
	// Kill ends it at once (gcat is stopping).
	Kill()
}

// started is a child with the streams the relay uses: what it reads (its
// input: CloseWrite is its end of input) and what it writes.
type started struct {
	child
	in  io.Writer
	out io.Reader
	// conn is the connection to relay, read through the filters, and,
	// with -t on a pty, through a telnet filter that sizes the terminal.
	conn net.Conn
}

// startChild starts the child of -e/-c/--lua-exec for conn, on pipes or
// (--pty) on a pseudo-terminal.
func (r *runner) startChild(conn net.Conn) (*started, error) {
	env := childEnv(conn, r.cfg.UDP)
	if !r.cfg.Pty {
		c, err := gexec.Start(gexec.Spec{Argv: r.exec, Env: env, Stderr: r.cfg.Stderr})
		if err != nil {
			return nil, err
		}
		return &started{child: c, in: c.Stdin, out: c.Stdout, conn: r.filters.received(conn)}, nil
	}
	c, err := ptyexec.Start(ptyexec.Spec{Argv: r.exec, Env: env})
	if err != nil {
		return nil, err
	}
	r.log.Debugf("%q is on %s", r.exec, c.TTY())
	s := &started{child: c, in: c.Stdin, out: c.Stdout}
	// With -t the peer is a terminal's telnet client (or gcat -T): the
	// window size it reports sizes the pty, and bytes of the program's
	// output that look like telnet commands are escaped.
	var tf *telnet.Filter
	s.conn, tf = r.filters.receivedTelnet(conn, telnet.Config{
		OnWindowSize: func(w, h uint16) {
			if w > 0 && h > 0 {
				r.log.Debugf("%s resized to %dx%d", c.TTY(), w, h)
				c.Resize(h, w)
			}
		},
		Terminal: true,
	})
	if tf != nil {
		s.out = telnet.NewEscaper(c.Stdout)
		if err := tf.Offer(); err != nil {
			c.Kill()
			return nil, err
		}
	}
	return s, nil
}
