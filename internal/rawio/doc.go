// Package rawio reads and writes descriptors that the Go netpoller watches
// — sockets, and pipes in non-blocking mode — with raw system calls, and
// waits in the netpoller only when the descriptor is not ready.
//
// A read or write on a non-blocking descriptor never sleeps, so it need not
// be announced to the scheduler (entersyscall) as the standard library's
// are: announced, every one of them wakes the runtime's monitor thread when
// the process was idle, which is the case at each message of a
// conversation. On a 2-vCPU machine that wake-up costs more than the copy
// (docs/benchmarks.md: the -e round trip took a third more CPU and a fifth
// more time with the standard reads and writes).
//
// The relay uses Read and Write between a socket and an -e child's pipes;
// Wrap gives the same to a TLS connection's socket, under crypto/tls.
// Off Linux, where this was not measured, Wrap returns its connection as
// it is and the relay takes its other paths.
package rawio
