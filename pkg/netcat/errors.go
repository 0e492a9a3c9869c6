package netcat

import (
	"errors"
	"net"
	"os"
	"strings"

	"github.com/gcat-dev/gcat/pkg/neterr"
	"github.com/gcat-dev/gcat/pkg/relay"
)

// StatusError is an error that ends gcat with a status other than 1, where
// ncat does so: an idle timeout in listen mode exits 2.
type StatusError struct {
	Status int
	Err    error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// ConfigError is a Config that cannot run, found as the run starts, before
// any connection: a program that cannot be run, a certificate that does not
// load, a file that cannot be opened. gcat exits 2 for it, as ncat does for
// its checks of its options.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErr(err error) error {
	if err == nil {
		return nil
	}
	return &ConfigError{Err: err}
}

// writeError is the StreamError of a failed write of name: the OS's reason,
// without os.PathError's repetition of the name.
func writeError(name string, err error) *StreamError {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	return &StreamError{Op: "write", Name: name, Err: neterr.Cause(err)}
}

// StreamError is a local stream gcat could not read or write: stdin,
// stdout, an exec child's pipes, a -o or -x file.
type StreamError struct {
	Op   string // "read" or "write"
	Name string // "stdin", "stdout", a path...
	Err  error
}

func (e *StreamError) Error() string { return e.Op + " " + e.Name + ": " + e.Err.Error() }
func (e *StreamError) Unwrap() error { return e.Err }

// Stdout reports whether the stream is gcat's stdout.
func (e *StreamError) Stdout() bool { return e.Name == stdoutName }

const (
	stdinName  = "stdin"
	stdoutName = "stdout"
)

// local names the local ends of a relay, for its errors.
type local struct{ in, out string }

var stdioNames = local{in: stdinName, out: stdoutName}

func childNames(argv0 string) local {
	return local{in: "the output of " + argv0, out: "the input of " + argv0}
}

// sessionError says a relay's failure in terms of the stream it came from:
// the connection, named by its peer, or a local stream.
func (r *runner) sessionError(conn net.Conn, names local, err error) error {
	var re *relay.Error
	if !errors.As(err, &re) {
		return err
	}
	switch re.Side {
	case relay.Input:
		return &StreamError{Op: "read", Name: names.in, Err: re.Err}
	case relay.Output:
		return &StreamError{Op: "write", Name: names.out, Err: re.Err}
	}
	return neterr.New(neterr.OpConnection, r.peerName(conn), re)
}

// peerName is how errors name a connection's peer: its address, or the
// socket path or vsock CID the user gave.
func (r *runner) peerName(conn net.Conn) string {
	peer := conn.RemoteAddr().String()
	if r.cfg.Unix != "" {
		peer = r.cfg.Unix
	}
	if r.cfg.Vsock && !strings.Contains(peer, ":") {
		peer = r.cfg.Host
	}
	return peer
}

// ReportedError is an error netcat has already said where the user will
// see it — syslog, in inetd mode, where stderr is the connection — so the
// caller only exits with the status Err calls for.
type ReportedError struct{ Err error }

func (e *ReportedError) Error() string { return e.Err.Error() }
func (e *ReportedError) Unwrap() error { return e.Err }
