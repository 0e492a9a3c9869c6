//go:build unix

package rawterm

import (
	"os"
	"os/signal"
	"syscall"
)

// WatchSize calls fn with the size of the terminal f each time it changes
// (SIGWINCH), one call at a time, until stop is called; stop returns once
// fn has returned. The size when WatchSize is called is not reported: get
// it with GetSize.
func WatchSize(f *os.File, fn func(Size)) (stop func(), err error) {
	last, err := GetSize(f)
	if err != nil {
		return nil, err
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	return watch(ch, func() { signal.Stop(ch) }, f, last, fn), nil
}
