package rawterm

import (
	"os"
	"sync"
)

// watch calls fn with f's size when it differs from last, each time tick
// delivers, until stop is called. stopTick releases the ticker.
func watch[T any](tick <-chan T, stopTick func(), f *os.File, last Size, fn func(Size)) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer stopTick()
		for {
			select {
			case <-tick:
			case <-quit:
				return
			}
			// Several changes may have been folded into one
			// signal; the size now is the one that counts.
			if s, err := GetSize(f); err == nil && s != last {
				last = s
				fn(s)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}
