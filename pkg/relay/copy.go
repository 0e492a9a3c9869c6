package relay

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/gcat-dev/gcat/internal/rawio"
	"github.com/gcat-dev/gcat/pkg/neterr"
)

// bufSize is the copy buffer when no zero-copy path applies; large buffers
// cut the number of system calls on fast pipes.
const bufSize = 256 << 10

// copyStream copies src to dst until EOF, choosing the kernel's zero-copy
// path where one exists, and says which stream a failure came from:
//
//	socket <-> non-blocking pipe  read/write   (raw_linux.go: latency
//	                                           first; splice for streams)
//	socket -> other pipe or file  splice      (os.File.ReadFrom, called
//	                                           directly: io.Copy would try
//	                                           the socket's WriteTo first,
//	                                           which only splices into Unix
//	                                           sockets)
//	socket -> socket              splice      (io.Copy finds TCPConn.ReadFrom)
//	regular file -> socket        sendfile    (io.Copy finds TCPConn.ReadFrom)
//
// Everything else goes through a large buffer: pipes are never handed to
// sendfile (on a non-blocking pipe it would spin on EAGAIN), and devices
// never to splice (most cannot take one: /dev/full would fail with EINVAL
// instead of ENOSPC, and the data already spliced out of the socket would
// be lost).
func copyStream(dst io.Writer, src io.Reader, dstSide, srcSide Side) (int64, error) {
	srcSock := rawio.IsStreamSocket(src)
	if n, ok, err := rawCopy(dst, src, dstSide, srcSide); ok {
		return n, err
	}
	if f, ok := dst.(*os.File); ok && srcSock && spliceable(f) {
		n, err := f.ReadFrom(src)
		return n, spliceError(err, srcSide, dstSide, false)
	}
	if rawio.IsStreamSocket(dst) && (srcSock || isRegularReader(src)) {
		n, err := io.Copy(dst, src)
		return n, spliceError(err, dstSide, srcSide, true)
	}
	return bufferedCopy(dst, src, dstSide, srcSide)
}

// spliceError attributes the error of a zero-copy copy, where Go reports
// both streams' failures as one operation's: by its errno. Only sockets
// fail with connection errors; EPIPE comes from whichever end is written.
func spliceError(err error, sockSide, otherSide Side, sockWritten bool) error {
	if err == nil {
		return nil
	}
	cause := causeOf(err)
	side := otherSide
	if neterr.OfConnection(cause) || sockWritten && errors.Is(cause, syscall.EPIPE) {
		side = sockSide
	}
	return &Error{Side: side, Err: cause}
}

// bufferedCopy copies through a pooled buffer, with Read and Write called
// directly so that errors can be told apart.
func bufferedCopy(dst io.Writer, src io.Reader, dstSide, srcSide Side) (int64, error) {
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	r := &readerOnly{Reader: src}
	n, err := io.CopyBuffer(writerOnly{dst}, r, *buf)
	if err == nil {
		return n, nil
	}
	side := dstSide
	if r.err != nil && err == r.err {
		side = srcSide
	}
	return n, &Error{Side: side, Err: causeOf(err)}
}

// causeOf strips an error down to what went wrong: the stream it came from
// is said by Error's Side, not by Go's wrappers (which, for a splice, may
// name the wrong one).
func causeOf(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	return neterr.Cause(err)
}

// bufPool recycles copy buffers: a -lk server makes two copies per
// connection, and fresh 256 KiB buffers each time would be most of its
// garbage.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, bufSize)
	return &b
}}

func isRegularReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isRegular(f)
}

func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// spliceable reports whether splice(2) can write to f: a pipe or a
// regular file, or a socket.
func spliceable(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && (fi.Mode().IsRegular() || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0)
}

// readerOnly and writerOnly hide ReadFrom/WriteTo so io.CopyBuffer uses the
// buffer and a Read that can be tracked; readerOnly keeps its last error,
// to tell a failed read from a failed write.
type readerOnly struct {
	io.Reader
	err error
}

func (r *readerOnly) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

type writerOnly struct{ io.Writer }
