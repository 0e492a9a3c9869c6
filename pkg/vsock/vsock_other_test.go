//go:build !linux

package vsock

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

// TestUnsupported: every operation says in one line that vsock is not
// supported on this system, and matches errors.ErrUnsupported.
func TestUnsupported(t *testing.T) {
	_, dialErr := Dial(context.Background(), CIDHost, 9)
	_, listenErr := Listen(CIDAny, 9)
	_, cidErr := LocalCID()
	want := "vsock is not supported on " + runtime.GOOS
	for _, err := range []error{Available(), Loopback(), dialErr, listenErr, cidErr} {
		if err == nil || err.Error() != want || !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("got %v, want %q matching errors.ErrUnsupported", err, want)
		}
	}
}
