//go:build !windows

package netcat

import "os"

// openTTY opens the controlling terminal, to ask for a password.
func openTTY() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }
