package rawterm

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// ErrNoResize is returned by WatchSize on systems that cannot tell a
// terminal's size changes.
var ErrNoResize = errors.New("terminal size changes cannot be watched on this system")

// Size is a terminal's size in character cells.
type Size struct {
	Rows, Cols int
}

// GetSize returns the size of the terminal f.
func GetSize(f *os.File) (Size, error) {
	fd, err := fdOf(f)
	if err == nil {
		var w, h int
		if w, h, err = term.GetSize(fd); err == nil {
			return Size{Rows: h, Cols: w}, nil
		}
	}
	return Size{}, fmt.Errorf("terminal size of %s: %w", f.Name(), err)
}
