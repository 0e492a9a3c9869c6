// Package sys holds the few operating-system calls that gcat's core needs
// and that differ between platforms, each behind one function with the
// same meaning everywhere:
//
//   - Pollable: stdin as a file whose reads can be interrupted;
//   - FileLimit: the open-file limit that -m is checked against.
//
// What a platform lacks is an error matching errors.ErrUnsupported, or
// (Pollable) a nil result the caller falls back from; never a pretence.
package sys

import (
	"errors"
	"runtime"
)

// unsupported is the error for what this platform does not have.
func unsupported(what string) error {
	return &unsupportedError{what}
}

type unsupportedError struct{ what string }

func (e *unsupportedError) Error() string {
	return e.what + " is not supported on " + runtime.GOOS
}

func (e *unsupportedError) Is(target error) bool { return target == errors.ErrUnsupported }
