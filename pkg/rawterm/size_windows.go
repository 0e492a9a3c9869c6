//go:build windows

package rawterm

import (
	"os"
	"time"
)

// pollInterval is how often the console's size is read: Windows has no
// SIGWINCH, and its resize events come only to a ReadConsoleInput loop,
// which would take the keys from gcat's stdin reader.
const pollInterval = 250 * time.Millisecond

// WatchSize calls fn with the size of the console f each time it changes,
// one call at a time, until stop is called; stop returns once fn has
// returned. The console is polled (see pollInterval). The size when
// WatchSize is called is not reported: get it with GetSize.
func WatchSize(f *os.File, fn func(Size)) (stop func(), err error) {
	last, err := GetSize(f)
	if err != nil {
		return nil, err
	}
	t := time.NewTicker(pollInterval)
	return watch(t.C, t.Stop, f, last, fn), nil
}
