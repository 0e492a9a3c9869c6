// Package activation takes over the sockets a service manager hands gcat
// instead of letting it bind its own: listening sockets passed by systemd
// (sd_listen_fds) or upstart's socket bridge, and the single connection that
// inetd, xinetd and systemd's Accept=yes put on standard input.
//
// # Listening sockets
//
// Listeners reads systemd's protocol, where LISTEN_PID names the process the
// sockets are for, LISTEN_FDS=N hands over descriptors 3 to 3+N-1 and
// LISTEN_FDNAMES names them (colon-separated); and upstart's, where
// UPSTART_FDS holds the one descriptor's number and UPSTART_EVENTS includes
// "socket". A LISTEN_PID other than gcat's own means the variables were
// inherited from a process they were meant for: they are ignored, as
// sd_listen_fds(3) ignores them. The variables are removed from the
// environment in every case, so that children started afterwards (an -e
// program) neither see nor act on them.
//
// Every descriptor is checked with getsockopt (SO_TYPE, SO_ACCEPTCONN, and
// SO_DOMAIN and SO_PROTOCOL where the system has them) before it is used:
// what is not a listening TCP or Unix stream socket, or in datagram mode an
// unconnected UDP or Unix datagram socket, is refused with an *FDError that
// names the descriptor, says what it is, and wraps one of the Err* reasons.
// The sockets are returned as net.Listeners or net.PacketConns on
// descriptors of their own that are closed on exec; the inherited numbers
// are closed, so no child inherits a listening socket.
//
// A Unix socket's file belongs to whoever created it (systemd removes it
// when the socket unit stops): closing a Listener returned here never
// unlinks it.
//
// # Inetd mode
//
// Inetd takes over the connection on descriptor 0 (inetd and xinetd also
// put it on 1 and 2, systemd's Accept=yes with StandardInput=socket on 0
// and, unless told otherwise, 1 and 2). It returns the connection as a
// net.Conn whose CloseWrite is shutdown(2) on the socket, so a half-close
// reaches the peer while the other direction still flows, and whose
// addresses are the socket's own (getsockname, getpeername).
//
// Descriptors 0, 1 and 2 are then pointed at /dev/null where they were that
// connection. This matters for three reasons: the returned Conn holds the
// only reference, so closing it ends the connection at once; nothing
// written to os.Stdout or os.Stderr can land in the middle of the peer's
// byte stream; and a write to descriptor 1 or 2 after a shutdown cannot
// kill gcat with SIGPIPE (Go's runtime lets SIGPIPE on those descriptors
// end the program). In inetd mode diagnostics must therefore never be
// written to descriptor 1; where the handover reports StderrWasConn, they
// must go somewhere other than descriptor 2 as well (syslog), since
// that is /dev/null now.
//
// A datagram socket on descriptor 0 (inetd's "dgram … wait" entries,
// systemd-socket-activate --inetd --datagram) is the service's bound,
// unconnected socket, not a connection: there is no accepted connection
// for datagrams. It is accepted in datagram mode and returned as a
// net.PacketConn, to be served as gcat -lu serves the socket it binds: the
// first peer to send is the session. A listening stream socket on
// descriptor 0 (inetd's "stream … wait", systemd's Accept=no with
// StandardInput=socket) is refused with ErrListening: that socket is what
// LISTEN_FDS is for.
//
// Listeners and Inetd must be called early, once, before gcat starts any
// child process: until then the inherited descriptors are not
// close-on-exec.
//
// On systems other than Unix both report ErrUnsupported.
package activation
