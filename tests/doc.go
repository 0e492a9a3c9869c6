// Package tests drives the real gcat binary, built once in TestMain, against
// itself and against real peers (ncat, socat, OpenBSD nc, curl, openssl,
// Python sockets), over loopback and Unix sockets in temporary directories.
//
// Every wait is bounded; readiness comes from gcat's own -v output
// ("Listening on ADDR"), never from sleeps. Peers that are not installed make
// their tests skip with the reason; `make test` installs them when it can.
//
// The tests build for Linux only: they run where CI runs, with Debian's
// peers, and the harness uses Linux facilities (process groups to end a
// run, /dev/ptmx for a terminal on stdin). The packages they exercise have
// their own unit tests, which build on every platform gcat supports.
package tests
