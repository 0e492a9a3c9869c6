//go:build !linux

package listen

// socketBound cannot tell here whether a socket is bound to path: only
// Linux publishes its table of Unix sockets.
func socketBound(string) (bound, known bool) { return false, false }
