//go:build unix

package dial

// UnixDatagram says whether this system has Unix datagram sockets
// (AF_UNIX with SOCK_DGRAM): every Unix does; Windows's AF_UNIX is stream
// only.
const UnixDatagram = true
