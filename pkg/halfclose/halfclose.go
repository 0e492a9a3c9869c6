// Package halfclose signals end-of-stream to the reader of a writer without
// closing the direction that still flows the other way.
//
// It is the one place that knows how each kind of stream passes an EOF on:
// TCP and Unix sockets shut down their write side (the peer reads EOF, and
// can still send), TLS sends close_notify and then shuts down the TCP write
// side, and pipes and files (a child's stdin, gcat's stdout) are closed,
// since for them closing the write end is the EOF.
package halfclose

import (
	"crypto/tls"
	"io"
)

// CloseWriter is implemented by streams that can end their write direction
// alone: *net.TCPConn, *net.UnixConn, *tls.Conn and gcat's own wrappers.
type CloseWriter interface {
	CloseWrite() error
}

// CloseWrite tells w's reader that no more data will come.
//
// The cases are ordered: a *tls.Conn is checked before the generic
// CloseWriter because its CloseWrite only sends close_notify, and the TCP
// write side must be shut down as well for peers that wait for a FIN.
// Writers that are neither CloseWriters nor Closers are left alone.
func CloseWrite(w io.Writer) error {
	switch w := w.(type) {
	case *tls.Conn:
		if err := w.CloseWrite(); err != nil {
			return err
		}
		return CloseWrite(w.NetConn())
	case CloseWriter:
		return w.CloseWrite()
	case io.Closer:
		return w.Close()
	}
	return nil
}

// NopCloser hides the Close and CloseWrite methods of w, so that CloseWrite
// leaves it open. Shared writers use it: with several connections writing to
// gcat's stdout, one client's EOF must not close stdout for the others.
func NopCloser(w io.Writer) io.Writer {
	return nopCloser{w}
}

type nopCloser struct{ io.Writer }
