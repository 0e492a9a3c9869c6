package netcat

import "os"

// openTTY opens the console, to ask for a password.
func openTTY() (*os.File, error) { return os.OpenFile("CONIN$", os.O_RDWR, 0) }
