package sys

// FileLimit fails with errors.ErrUnsupported: Windows has no per-process
// limit on open sockets like RLIMIT_NOFILE.
func FileLimit() (soft, hard uint64, err error) {
	return 0, 0, unsupported("an open file limit")
}
