package relay

import (
	"io"
	"net"
	"os"
	"sync"
)

// copyStream copies src to dst until EOF, choosing the kernel's zero-copy
// path where one exists:
//
//	socket -> socket        splice      (io.Copy finds TCPConn.ReadFrom)
//	regular file -> socket  sendfile    (io.Copy finds TCPConn.ReadFrom)
//	socket -> file or pipe  splice      (os.File.ReadFrom, called directly:
//	                                     io.Copy would try the socket's
//	                                     WriteTo first, which only splices
//	                                     into Unix sockets)
//
// Everything else goes through a large buffer. Pipes are never handed to
// sendfile: on a non-blocking pipe it would spin on EAGAIN.
func copyStream(dst io.Writer, src io.Reader) (int64, error) {
	_, srcSock := src.(*net.TCPConn)
	if u, ok := src.(*net.UnixConn); ok && isStream(u) {
		srcSock = true
	}
	_, dstTCP := dst.(*net.TCPConn)
	if f, ok := dst.(*os.File); ok && srcSock {
		return f.ReadFrom(src)
	}
	if dstTCP || isStreamUnix(dst) {
		if srcSock {
			return io.Copy(dst, src)
		}
		if f, ok := src.(*os.File); ok && isRegular(f) {
			return io.Copy(dst, src)
		}
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	return io.CopyBuffer(writerOnly{dst}, readerOnly{src}, *buf)
}

// bufPool recycles copy buffers: a -lk server makes two copies per
// connection, and fresh 256 KiB buffers each time would be most of its
// garbage.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, bufSize)
	return &b
}}

func isStream(u *net.UnixConn) bool {
	a := u.LocalAddr()
	return a != nil && a.Network() == "unix"
}

func isStreamUnix(w io.Writer) bool {
	u, ok := w.(*net.UnixConn)
	return ok && isStream(u)
}

func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// readerOnly and writerOnly hide ReadFrom/WriteTo so io.CopyBuffer uses the
// buffer and a Read that can be tracked.
type readerOnly struct{ io.Reader }
type writerOnly struct{ io.Writer }
