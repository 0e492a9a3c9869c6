//go:build !unix && !windows

package rawterm

import "os"

// WatchSize returns ErrNoResize: this system has no way to tell.
func WatchSize(f *os.File, fn func(Size)) (stop func(), err error) {
	return nil, ErrNoResize
}
