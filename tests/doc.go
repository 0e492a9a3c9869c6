// Package tests drives the real gcat binary against real peers (ncat,
// socat, OpenBSD nc, curl, openssl, Python sockets), over loopback and Unix
// sockets in temporary directories.
//
// The tests build for Linux only: they run where CI runs, with Debian's
// peers, and the harness uses Linux facilities (process groups to end a
// run, /dev/ptmx for a terminal on stdin). The packages they exercise have
// their own unit tests, which build on every platform gcat supports.
package tests
