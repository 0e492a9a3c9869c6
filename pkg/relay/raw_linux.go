package relay

import (
	"crypto/tls"
	"errors"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gcat-dev/gcat/internal/rawio"
)

// Between a stream socket or a TLS connection and a pipe — an -e child's
// stdin and stdout, a non-blocking stdin or stdout — the relay reads and
// writes the socket and the pipe with raw system calls and waits in the Go
// netpoller (internal/rawio says why). A TLS connection reads and writes
// its socket the same way when rawio.Wrap is under it, as pkg/netcat puts
// it; the relay calls its Read and Write.
//
// A read that fills the whole buffer means a stream rather than a
// conversation: socket -> pipe then goes through Go's splice path for the
// next bulkChunk bytes, which moves pages instead of copying them twice,
// and comes back here after.

// bulkChunk is how much a full buffer hands over to splice at a time.
const bulkChunk = 4 << 20

// rawConn is what gives its file descriptor: sockets, os.File, and readers
// such as a child's output that put a policy around their pipe's waits
// (their RawConn's Read applies it).
type rawConn interface {
	SyscallConn() (syscall.RawConn, error)
}

// rawCopy copies src to dst as described above, when one is a
// non-blocking pipe and the other a stream socket or a TLS connection; ok is
// false when it does not apply.
func rawCopy(dst io.Writer, src io.Reader, dstSide, srcSide Side) (n int64, ok bool, err error) {
	c := newRawCopier(dst, src, dstSide, srcSide)
	if c == nil {
		return 0, false, nil
	}
	n, err = c.run()
	return n, true, err
}

// newRawCopier returns the copier for src -> dst, or nil when the raw path
// does not apply. A trackedReader source is seen through and kept
// informed.
func newRawCopier(dst io.Writer, src io.Reader, dstSide, srcSide Side) *rawCopier {
	tr, _ := src.(*trackedReader)
	inner := src
	if tr != nil {
		inner = tr.r
	}
	sockSrc, sockDst := rawio.IsStreamSocket(inner), rawio.IsStreamSocket(dst)
	tlsSrc, tlsDst := isTLS(inner), isTLS(dst)
	c := &rawCopier{srcR: src, dstW: dst, srcSide: srcSide, dstSide: dstSide}
	switch {
	case (sockSrc || tlsSrc) && !sockDst && !tlsDst:
		c.dst = rawFD(dst, false)
		if sockSrc {
			c.src, c.tr = rawFD(inner, true), tr
		}
	case (sockDst || tlsDst) && !sockSrc && !tlsSrc:
		c.src, c.tr = rawFD(inner, false), tr
		if sockDst {
			c.dst = rawFD(dst, true)
		}
	}
	if c.src == nil && !tlsSrc || c.dst == nil && !tlsDst {
		return nil
	}
	// Not for a tracked source: its silence is a policy's input (-q after
	// the connection's silence, -i), and a splice in progress would hide it.
	if f, isFile := dst.(*os.File); isFile && sockSrc && tr == nil {
		c.bulk = func() (int64, error) {
			n, err := f.ReadFrom(&io.LimitedReader{R: inner, N: bulkChunk})
			return n, spliceError(err, srcSide, dstSide, false)
		}
	}
	return c
}

func isTLS(x any) bool {
	_, ok := x.(*tls.Conn)
	return ok
}

// rawFD returns x's RawConn if x is a socket (sock) or a pipe in
// non-blocking mode: one that the netpoller watches. A blocking pipe, such
// as a shell's stdin, takes the other paths.
func rawFD(x any, sock bool) syscall.RawConn {
	r, ok := x.(rawConn)
	if !ok {
		return nil
	}
	rc, err := r.SyscallConn()
	if err != nil {
		return nil
	}
	if sock {
		return rc
	}
	ok = false
	// Control, not os.File.Fd: Fd would put the pipe in blocking mode.
	rc.Control(func(fd uintptr) {
		var st unix.Stat_t
		flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
		ok = err == nil && flags&unix.O_NONBLOCK != 0 &&
			unix.Fstat(int(fd), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
	})
	if !ok {
		return nil
	}
	return rc
}

// rawCopier is one direction's copy loop. A side with a RawConn is read
// or written with raw system calls; the other (a TLS connection) with its
// own Read or Write.
type rawCopier struct {
	src, dst         syscall.RawConn
	srcR             io.Reader
	dstW             io.Writer
	tr               *trackedReader // the raw source's tracker, if any
	bulk             func() (int64, error)
	srcSide, dstSide Side
}

func (c *rawCopier) run() (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var total int64
	for {
		n, err := c.read(buf)
		if n > 0 {
			if err := c.write(buf[:n]); err != nil {
				return total, err
			}
			total += int64(n)
		}
		if err != nil || n == 0 {
			return total, err
		}
		if n == len(buf) && c.bulk != nil {
			m, err := c.bulk()
			total += m
			if err != nil || m < bulkChunk {
				return total, err // the source's EOF, or a failure
			}
		}
	}
}

// read reads once from the source; 0 and no error is its EOF. A source
// that is not raw may return data and its end at once: n > 0 with a nil
// error after which the next read says EOF is the same to run.
func (c *rawCopier) read(p []byte) (int, error) {
	for c.src == nil {
		n, err := c.srcR.Read(p)
		switch {
		case err == io.EOF && n > 0:
			c.srcR = eofReader{}
		case err == io.EOF:
			return 0, nil
		case err != nil:
			return n, &Error{Side: c.srcSide, Err: causeOf(err)}
		}
		if n > 0 {
			return n, nil
		} // a Read that returns nothing has not ended: read again
	}
	if c.tr != nil {
		c.tr.since.Store(time.Now().UnixNano())
		defer c.tr.since.Store(0)
	}
	n, err := rawio.Read(c.src, p)
	if c.tr != nil {
		c.tr.n.Add(int64(n))
	}
	switch {
	case errors.Is(err, io.EOF):
		return 0, nil // the source's own end, from its RawConn's policy
	case err != nil:
		return 0, &Error{Side: c.srcSide, Err: causeOf(err)}
	}
	return n, nil
}

// write writes all of p to the destination.
func (c *rawCopier) write(p []byte) error {
	var err error
	if c.dst == nil {
		_, err = c.dstW.Write(p)
	} else {
		_, err = rawio.Write(c.dst, p)
	}
	if err != nil {
		return &Error{Side: c.dstSide, Err: causeOf(err)}
	}
	return nil
}

// eofReader is a source that has ended.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
