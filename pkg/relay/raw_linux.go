package relay

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Between a stream socket and a pipe — an -e child's stdin and stdout, a
// non-blocking stdin or stdout — the relay reads and writes with raw
// system calls and waits in the Go netpoller. A read or write on a
// non-blocking descriptor never sleeps, so it need not be announced to the
// scheduler (entersyscall): announced, every one of them wakes the
// runtime's monitor thread when the process was idle, which is the case at
// each message of a conversation. On a 2-vCPU machine that wake-up costs
// more than the copy: a round trip through -e /bin/cat took a third more
// CPU and a fifth more time with the standard library's reads and writes
// (docs/benchmarks.md).
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

// rawCopy copies src to dst as described above, when one is a stream
// socket and the other a non-blocking pipe; ok is false when it does not
// apply. A trackedReader source is seen through and kept informed.
func rawCopy(dst io.Writer, src io.Reader, dstSide, srcSide Side) (n int64, ok bool, err error) {
	tr, _ := src.(*trackedReader)
	inner := src
	if tr != nil {
		inner = tr.r
	}
	sockSrc, sockDst := isStreamSocket(inner), isStreamSocket(dst)
	if sockSrc == sockDst {
		return 0, false, nil
	}
	s, d := rawFD(inner, sockSrc), rawFD(dst, sockDst)
	if s == nil || d == nil {
		return 0, false, nil
	}
	c := &rawCopier{src: s, dst: d, tr: tr, srcSide: srcSide, dstSide: dstSide}
	// Not for a tracked source: its silence is a policy's input (-q after
	// the connection's silence, -i), and a splice in progress would hide it.
	if f, isFile := dst.(*os.File); isFile && sockSrc && tr == nil {
		c.bulk = func() (int64, error) {
			n, err := f.ReadFrom(&io.LimitedReader{R: inner, N: bulkChunk})
			return n, spliceError(err, srcSide, dstSide, false)
		}
	}
	n, err = c.run()
	return n, true, err
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

// rawCopier is one direction's copy loop.
type rawCopier struct {
	src, dst         syscall.RawConn
	tr               *trackedReader // the source's tracker, if any
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
		if err != nil || n == 0 {
			return total, err
		}
		if err := c.write(buf[:n]); err != nil {
			return total, err
		}
		total += int64(n)
		if n == len(buf) && c.bulk != nil {
			m, err := c.bulk()
			total += m
			if err != nil || m < bulkChunk {
				return total, err // the source's EOF, or a failure
			}
		}
	}
}

// read reads once from the source; 0 and no error is its EOF.
func (c *rawCopier) read(p []byte) (int, error) {
	if c.tr != nil {
		c.tr.since.Store(time.Now().UnixNano())
		defer c.tr.since.Store(0)
	}
	var n int
	var errno syscall.Errno
	err := c.src.Read(func(fd uintptr) bool {
		n, errno = rawIO(unix.SYS_READ, fd, p)
		return errno != unix.EAGAIN
	})
	if c.tr != nil {
		c.tr.n.Add(int64(n))
	}
	switch {
	case errors.Is(err, io.EOF):
		return 0, nil // the source's own end, from its RawConn's policy
	case err != nil:
		return 0, &Error{Side: c.srcSide, Err: causeOf(err)}
	case errno != 0:
		return 0, &Error{Side: c.srcSide, Err: errno}
	}
	return n, nil
}

// write writes all of p to the destination.
func (c *rawCopier) write(p []byte) error {
	for len(p) > 0 {
		var n int
		var errno syscall.Errno
		err := c.dst.Write(func(fd uintptr) bool {
			n, errno = rawIO(unix.SYS_WRITE, fd, p)
			return errno != unix.EAGAIN
		})
		switch {
		case err != nil:
			return &Error{Side: c.dstSide, Err: causeOf(err)}
		case errno != 0:
			return &Error{Side: c.dstSide, Err: errno}
		}
		p = p[n:]
	}
	return nil
}

// rawIO is read(2) or write(2) on a non-blocking descriptor, retried if a
// signal interrupted it.
func rawIO(trap uintptr, fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		r, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e != unix.EINTR {
			return int(r), e
		}
	}
}
