//go:build !linux

package sys

import "os"

// Pollable returns nil here: without Linux's /proc/self/fd, reopening a
// pipe or terminal gives (macOS, the BSDs: /dev/fd dups the descriptor)
// or needs (Windows) the same open file description, and making that
// non-blocking would change it under every other process sharing it. The
// caller reads f as it is, and a read blocked on it cannot be
// interrupted.
func Pollable(*os.File) *os.File { return nil }
