//go:build unix

package sys

import "golang.org/x/sys/unix"

// FileLimit returns the soft and hard limits on open files
// (RLIMIT_NOFILE). Go raises the soft limit to the hard one at start.
func FileLimit() (soft, hard uint64, err error) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, err
	}
	// The fields are int64 on FreeBSD, uint64 elsewhere; RLIM_INFINITY
	// is the largest value of either.
	return clamp(lim.Cur), clamp(lim.Max), nil
}

func clamp[T int64 | uint64](v T) uint64 {
	if v < 0 {
		return 1<<63 - 1
	}
	return uint64(v)
}
