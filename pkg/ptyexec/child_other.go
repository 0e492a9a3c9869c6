//go:build !unix || aix

package ptyexec

import (
	"io"
	"time"
)

// Child is a program on a pty; gcat has no ptys on this system (see
// ErrUnsupported).
type Child struct {
	Stdin  *Input
	Stdout *Output
}

// Start returns ErrUnsupported: gcat has no ptys on this system.
func Start(spec Spec) (*Child, error) {
	name := ""
	if len(spec.Argv) > 0 {
		name = spec.Argv[0]
	}
	return nil, &StartError{Argv0: name, Err: ErrUnsupported}
}

func (c *Child) Pid() int                       { return 0 }
func (c *Child) TTY() string                    { return "" }
func (c *Child) Exited() <-chan struct{}        { return nil }
func (c *Child) Resize(rows, cols uint16) error { return ErrUnsupported }
func (c *Child) Stop() error                    { return ErrUnsupported }
func (c *Child) Kill()                          {}

// Input is the typing side of a terminal; see the Unix version.
type Input struct{}

func (in *Input) Write(p []byte) (int, error)      { return 0, ErrUnsupported }
func (in *Input) CloseWrite() error                { return ErrUnsupported }
func (in *Input) Close() error                     { return ErrUnsupported }
func (in *Input) SetWriteDeadline(time.Time) error { return ErrUnsupported }

// Output is the display side of a terminal; see the Unix version.
type Output struct{}

func (o *Output) Read(p []byte) (int, error)      { return 0, io.EOF }
func (o *Output) SetReadDeadline(time.Time) error { return ErrUnsupported }
func (o *Output) Close() error                    { return ErrUnsupported }

// Available returns ErrUnsupported: gcat has no ptys on this system.
func Available() error { return ErrUnsupported }
