//go:build unix && !aix

package ptyexec

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// aLongTimeAgo is a deadline in the past, used to unblock a write.
var aLongTimeAgo = time.Unix(1, 0)

// Input is the typing side of the terminal.
type Input struct {
	f      *os.File
	hangup func() int
	eofKey bool

	mu      sync.Mutex // orders Write and CloseWrite; guards midLine, done
	midLine bool       // the last byte written did not end a line
	done    bool       // CloseWrite has run
	exited  atomic.Bool
}

// Write types p into the terminal. Once the child has exited it fails with
// EPIPE: nobody will read it.
func (in *Input) Write(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.write(p)
}

func (in *Input) write(p []byte) (int, error) {
	if in.exited.Load() {
		return 0, in.gone()
	}
	n, err := in.f.Write(p)
	if n > 0 {
		in.midLine = p[n-1] != '\n' && p[n-1] != '\r'
	}
	if err != nil && in.exited.Load() {
		// Unblocked by childExited, or the terminal is gone (EIO).
		err = in.gone()
	}
	return n, err
}

func (in *Input) gone() error {
	return &os.PathError{Op: "write", Path: in.f.Name(), Err: syscall.EPIPE}
}

// CloseWrite ends the input by the rule in the package comment: a hangup,
// or with Spec.EOFKey the terminal's EOF character (twice after an
// unfinished line; a hangup if the terminal has none). The terminal stays
// open for the child's output. After the child's exit, and on later calls,
// it does nothing.
func (in *Input) CloseWrite() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done || in.exited.Load() {
		return nil
	}
	in.done = true
	if !in.eofKey {
		in.hangup()
		return nil
	}
	eof, ok, err := eofChar(in.f)
	if err != nil {
		return &os.PathError{Op: "end input", Path: in.f.Name(), Err: err}
	}
	if !ok {
		in.hangup()
		return nil
	}
	keys := []byte{eof}
	if in.midLine {
		keys = append(keys, eof)
	}
	_, err = in.write(keys)
	if errors.Is(err, syscall.EPIPE) {
		return nil // the child exited meanwhile: it needs no EOF
	}
	return err
}

// Close is CloseWrite: the terminal itself is closed by Child.Stop.
func (in *Input) Close() error { return in.CloseWrite() }

// SetWriteDeadline lets the relay interrupt a blocked Write (a child that
// does not read its terminal).
func (in *Input) SetWriteDeadline(t time.Time) error { return in.f.SetWriteDeadline(t) }

func (in *Input) childExited() {
	in.exited.Store(true)
	// Nothing reads the terminal any more: a blocked write would wait
	// forever.
	in.f.SetWriteDeadline(aLongTimeAgo)
}

// Output is the display side of the terminal.
type Output struct {
	f      *os.File
	grace  time.Duration
	close  func()
	exited atomic.Bool
	ended  atomic.Bool // no process holds the terminal any more
}

// Read reads what the terminal shows. It returns io.EOF when the last
// process holding the terminal has closed it, or, after the child has
// exited, when a read stays blocked for the grace period (a background job
// holds the terminal and writes nothing).
func (o *Output) Read(p []byte) (int, error) {
	if o.exited.Load() {
		o.f.SetReadDeadline(time.Now().Add(o.grace))
	}
	n, err := o.f.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, syscall.EIO):
		// Linux: no process has the terminal open any more; everything
		// written to it has been read.
		err = io.EOF
		o.ended.Store(true)
	case err == io.EOF: // the BSDs
		o.ended.Store(true)
	case errors.Is(err, os.ErrDeadlineExceeded) && o.exited.Load():
		err = io.EOF
	}
	return n, err
}

// SetReadDeadline lets the relay interrupt a blocked Read.
func (o *Output) SetReadDeadline(t time.Time) error { return o.f.SetReadDeadline(t) }

// Close closes the master, which hangs the terminal up: the child's reads
// and writes on it fail and the session leader gets SIGHUP. Output written
// but not read is lost. Child.Stop closes it too.
func (o *Output) Close() error {
	o.close()
	return nil
}

func (o *Output) childExited() {
	o.exited.Store(true)
	o.f.SetReadDeadline(time.Now().Add(o.grace))
}

// eofChar returns the terminal's EOF character, and false if it has none.
func eofChar(f *os.File) (byte, bool, error) {
	var t *unix.Termios
	err := control(f, func(fd int) error {
		var err error
		t, err = unix.IoctlGetTermios(fd, ioctlGetTermios)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	if t.Lflag&unix.ICANON == 0 {
		// The line discipline ignores VEOF (on some systems the slot
		// holds VMIN): send the key a program reading keys knows.
		return ctrl('D'), true, nil
	}
	c := t.Cc[unix.VEOF]
	return c, c != vdisable, nil
}

func ctrl(c byte) byte { return c & 0x1f }
