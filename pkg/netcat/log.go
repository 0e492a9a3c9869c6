package netcat

import (
	"fmt"
	"io"
)

// logger prints gcat's lines on stderr: "gcat: " and one line. Infof is -v,
// Debugf -vv, Errorf always. A failed write to stderr is ignored: it must
// never change what gcat does or the status it exits with.
type logger struct {
	w      io.Writer
	level  int
	syslog bool // w is syslog (inetd mode): errors are reported there too
}

func (l logger) Infof(format string, args ...any) {
	if l.level >= 1 {
		fmt.Fprintf(l.w, "gcat: "+format+"\n", args...)
	}
}

func (l logger) Debugf(format string, args ...any) {
	if l.level >= 2 {
		fmt.Fprintf(l.w, "gcat: "+format+"\n", args...)
	}
}

func (l logger) Errorf(format string, args ...any) {
	fmt.Fprintf(l.w, "gcat: "+format+"\n", args...)
}

// debugFunc returns Debugf for packages, or nil below -vv.
func (l logger) debugFunc() func(string, ...any) {
	if l.level < 2 {
		return nil
	}
	return l.Debugf
}
