//go:build !linux

package exec

import "os"

// AwaitExit returns at once: without pidfds, the wait for a child is
// os.Process.Wait's, which holds an OS thread while the child runs.
func AwaitExit(*os.Process) {}
