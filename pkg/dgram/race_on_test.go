//go:build race

package dgram_test

// raceEnabled: the race detector makes sync.Pool drop what it is given, on
// purpose, so allocation counts mean nothing under it.
const raceEnabled = true
