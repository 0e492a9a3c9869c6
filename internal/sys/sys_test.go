package sys

import (
	"errors"
	"runtime"
	"testing"
)

func TestUnsupported(t *testing.T) {
	err := unsupported("an open file limit")
	if err.Error() != "an open file limit is not supported on "+runtime.GOOS || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("%q does not say it or match errors.ErrUnsupported", err)
	}
}
