package netcat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"golang.org/x/term"

	"github.com/gcat-dev/gcat/pkg/rawterm"
	"github.com/gcat-dev/gcat/pkg/relay"
	"github.com/gcat-dev/gcat/pkg/telnet"
)

// errNotTerminal is --raw or -T without a terminal on stdin.
var errNotTerminal = errors.New("--raw and -T need a terminal on stdin")

// checkRaw refuses --raw and -T when stdin is not a terminal.
func (r *runner) checkRaw() error {
	if r.cfg.Raw && !term.IsTerminal(int(r.cfg.Stdin.Fd())) {
		return configErr(errNotTerminal)
	}
	return nil
}

// rawSession is a stdio session at a terminal put in raw mode (--raw, -T),
// so that every key reaches the remote program. The terminal is restored on
// every way out: the session's end, an error, the escape (Enter ~ .), and
// the signals that end gcat. With -T the window's size is reported to a
// server that asks for it (telnet NAWS), and again at every resize.
func (r *runner) rawSession(ctx context.Context, conn net.Conn, std stdio) (relay.Stats, error) {
	raw, err := rawterm.MakeRaw(r.cfg.Stdin)
	if err != nil {
		return relay.Stats{}, configErr(fmt.Errorf("--raw: %w", err))
	}
	stopSignals := raw.RestoreOnSignals()
	cooked := r.log.w
	r.log.w = crlfWriter{cooked} // the terminal no longer turns LF into CR LF
	defer func() {
		stopSignals()
		raw.Restore()
		r.log.w = cooked
	}()
	r.log.Infof("Escape character is '~': Enter ~ . quits, ~? lists escapes.")
	esc := rawterm.NewEscapeReader(std.in, rawterm.EscapeOptions{Help: crlfWriter{r.cfg.Stderr}})
	std.in = &deadlineReader{Reader: esc, under: std.in}
	filtered, stop := r.terminalClient(conn, &std)
	defer stop()
	st, err := r.relayStdio(ctx, filtered, std)
	if errors.Is(err, rawterm.ErrQuit) {
		r.log.Infof("Quit by the escape.")
		err = nil
	}
	return st, err
}

// terminalClient is the connection a raw session reads, through the
// filters; with -T also a telnet NAWS client that reports the window's
// size, and an escaper that doubles the byte telnet reserves in what is
// typed. stop ends the watch of the window's size.
func (r *runner) terminalClient(conn net.Conn, std *stdio) (net.Conn, func()) {
	if !r.cfg.Terminal {
		return r.filters.received(conn), func() {}
	}
	size := func() (uint16, uint16) {
		s, err := rawterm.GetSize(r.cfg.Stdin)
		if err != nil {
			return 0, 0
		}
		return uint16(s.Cols), uint16(s.Rows)
	}
	filtered, tf := r.filters.receivedTelnet(conn, telnet.Config{WindowSize: size})
	std.in = &deadlineReader{Reader: telnet.NewEscaper(std.in), under: std.in}
	stop, err := rawterm.WatchSize(r.cfg.Stdin, func(s rawterm.Size) { tf.Resize(uint16(s.Cols), uint16(s.Rows)) })
	if err != nil {
		r.log.Debugf("the window's size will not follow resizes: %v", err)
		return filtered, func() {}
	}
	return filtered, stop
}

// crlfWriter writes LF as CR LF, for a terminal in raw mode.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, strings.ReplaceAll(string(p), "\n", "\r\n")); err != nil {
		return 0, err
	}
	return len(p), nil
}
