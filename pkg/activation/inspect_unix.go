//go:build unix

package activation

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// sockInfo is what getsockopt and friends tell of a descriptor.
type sockInfo struct {
	typ       Type
	family    Family
	listening bool // SO_ACCEPTCONN
	connected bool // it has a peer
	local     net.Addr
	peer      net.Addr
}

// what describes the socket for an *FDError.
func (si *sockInfo) what() string {
	s := network(si.typ, si.family) + " " + addrString(si.local)
	if si.connected {
		s += ", peer " + addrString(si.peer)
	}
	return s
}

// addrString names an address; an unnamed Unix socket has none.
func addrString(a net.Addr) string {
	if a == nil || a.String() == "" {
		return "(unnamed)"
	}
	return a.String()
}

// inspect finds out what the descriptor fd is, using only system calls on
// the number (no *os.File, whose finalizer would close a descriptor that is
// not ours). What is not a stream or datagram socket of TCP, UDP or Unix
// is an *FDError.
func inspect(fd int) (*sockInfo, error) {
	fail := func(what string, err error) error { return &FDError{FD: fd, What: what, Err: err} }
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	switch {
	case errors.Is(err, unix.EBADF):
		return nil, fail("", ErrNotOpen)
	case errors.Is(err, unix.ENOTSOCK):
		return nil, fail(fileKind(fd), ErrNotSocket)
	case err != nil:
		return nil, fail("", fmt.Errorf("getsockopt SO_TYPE: %w", err))
	}
	si := &sockInfo{}
	switch typ {
	case unix.SOCK_STREAM:
		si.typ = Stream
	case unix.SOCK_DGRAM:
		si.typ = Datagram
	default:
		return nil, fail(typeName(typ), ErrSocketType)
	}
	domain, proto, err := domainProtocol(fd)
	if err != nil {
		return nil, fail("", err)
	}
	switch domain {
	case unix.AF_INET:
		si.family = IPv4
	case unix.AF_INET6:
		si.family = IPv6
	case unix.AF_UNIX:
		si.family = Unix
	default:
		return nil, fail(familyName(domain), ErrFamily)
	}
	if si.family != Unix && !protocolFits(si.typ, proto) {
		return nil, fail(protocolName(proto), ErrProtocol)
	}
	lsa, lerr := unix.Getsockname(fd)
	psa, perr := unix.Getpeername(fd)
	si.local, si.peer = sockaddr(si.typ, lsa, lerr), sockaddr(si.typ, psa, perr)
	si.connected = si.peer != nil
	if si.typ == Stream {
		acc, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		// Without SO_ACCEPTCONN, a stream socket with no peer is taken to
		// be listening: accept will tell if it is not.
		si.listening = acc != 0 || (err != nil && !si.connected)
	}
	return si, nil
}

// IP protocol numbers (IANA's, the same everywhere) that SO_PROTOCOL may
// report and gcat must tell apart. MPTCP's is Linux's own.
const (
	protoSCTP    = 132
	protoUDPLite = 136
	protoMPTCP   = 262
)

var protocolNames = map[int]string{
	protoSCTP:    "an SCTP socket",
	protoUDPLite: "a UDP-Lite socket",
}

// protocolFits says whether proto is what gcat speaks on an IP socket of
// type t: TCP on streams (or MPTCP, which applications see as TCP; not
// SCTP), UDP on datagrams (not UDP-Lite). Zero means the system cannot
// tell, and the type decides.
func protocolFits(t Type, proto int) bool {
	switch t {
	case Stream:
		return proto == 0 || proto == unix.IPPROTO_TCP || proto == protoMPTCP
	case Datagram:
		return proto == 0 || proto == unix.IPPROTO_UDP
	}
	return false
}

// sockaddr converts a socket address to package net's form.
func sockaddr(t Type, sa unix.Sockaddr, err error) net.Addr {
	if err != nil {
		return nil
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return ipAddr(t, sa.Addr[:], sa.Port, "")
	case *unix.SockaddrInet6:
		zone := ""
		if sa.ZoneId != 0 {
			zone = strconv.Itoa(int(sa.ZoneId))
		}
		return ipAddr(t, sa.Addr[:], sa.Port, zone)
	case *unix.SockaddrUnix:
		if t == Datagram {
			return &net.UnixAddr{Name: sa.Name, Net: "unixgram"}
		}
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	return nil
}

func ipAddr(t Type, ip []byte, port int, zone string) net.Addr {
	ip = append(net.IP(nil), ip...)
	if t == Datagram {
		return &net.UDPAddr{IP: ip, Port: port, Zone: zone}
	}
	return &net.TCPAddr{IP: ip, Port: port, Zone: zone}
}

// fileKind names what a descriptor that is not a socket is.
func fileKind(fd int) string {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return ""
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFIFO:
		return "a pipe"
	case unix.S_IFCHR:
		if term.IsTerminal(fd) {
			return "a terminal"
		}
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	}
	return ""
}

func typeName(typ int) string {
	switch typ {
	case unix.SOCK_SEQPACKET:
		return "a seqpacket socket"
	case unix.SOCK_RAW:
		return "a raw socket"
	}
	return "socket type " + strconv.Itoa(typ)
}

func protocolName(proto int) string {
	if name, ok := protocolNames[proto]; ok {
		return name
	}
	return "protocol " + strconv.Itoa(proto)
}

func familyName(domain int) string {
	if name, ok := familyNames[domain]; ok {
		return name
	}
	if domain < 0 {
		return ""
	}
	return "address family " + strconv.Itoa(domain)
}
