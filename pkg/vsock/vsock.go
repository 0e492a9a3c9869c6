// Package vsock gives gcat's --vsock mode: Linux AF_VSOCK stream sockets,
// which connect a virtual machine and its host (or, with the vsock_loopback
// transport, a machine to itself), as a net.Conn with CloseWrite and
// deadlines and as a net.Listener, so that gcat's relay treats them like TCP.
//
//	ncat --vsock CID PORT        Dial(ctx, cid, port)
//	ncat --vsock -l [CID] PORT   Listen(cid, port), cid CIDAny by default
//
// The sockets are created non-blocking and wrapped in an *os.File, which
// puts them in the Go runtime's poller: reads, writes, connect and accept
// wait without tying up a thread, and deadlines, a context and Close
// interrupt them.
//
// Errors name the operation and the address ("vsock connect to 3:5000:
// connection reset by peer"), keep the errno for errors.Is, and turn the
// ones that mean "no vsock here" into a one-line reason: a kernel without
// AF_VSOCK (EAFNOSUPPORT), or no transport for the CID (ENODEV).
//
// Only Linux has AF_VSOCK. Elsewhere the package builds, Supported is
// false, and every operation fails with "vsock is not supported on
// GOOS", an error matching errors.ErrUnsupported; ParseCID and Addr work
// everywhere.
package vsock

import (
	"fmt"
	"strconv"
	"strings"
)

// Well-known CIDs and ports: the values of Linux's <linux/vm_sockets.h>,
// written out so that they exist on every platform (ParseCID and Addr do).
const (
	// CIDHypervisor is the hypervisor (VMADDR_CID_HYPERVISOR).
	CIDHypervisor uint32 = 0
	// CIDLocal is this machine, through the vsock_loopback transport
	// (VMADDR_CID_LOCAL).
	CIDLocal uint32 = 1
	// CIDHost is the host of a virtual machine (VMADDR_CID_HOST).
	CIDHost uint32 = 2
	// CIDAny, for Listen, accepts connections to every CID of this
	// machine (VMADDR_CID_ANY, written -1 or "any").
	CIDAny uint32 = 0xffffffff
	// PortAny, for Listen, lets the kernel choose a free port
	// (VMADDR_PORT_ANY); Listener.Addr reports it.
	PortAny uint32 = 0xffffffff
)

// Addr is a vsock address: a context ID (CID) and a port. Both Addr and
// *Addr are net.Addrs; Conn and Listener report *Addr, as package net
// reports *net.TCPAddr.
type Addr struct{ CID, Port uint32 }

// Network returns "vsock".
func (a Addr) Network() string { return "vsock" }

// String returns "CID:PORT" in decimal, e.g. "3:5000".
func (a Addr) String() string {
	return strconv.FormatUint(uint64(a.CID), 10) + ":" + strconv.FormatUint(uint64(a.Port), 10)
}

// ParseCID parses a context ID as ncat's --vsock takes it: a decimal number,
// or hexadecimal with 0x, from 0 to 4294967295; and "any" or "-1" for
// CIDAny (listening on every CID of this machine). Leading zeros are
// decimal, not octal.
func ParseCID(s string) (uint32, error) {
	if s == "any" || s == "-1" {
		return CIDAny, nil
	}
	digits, base := s, 10
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		digits, base = h, 16
	} else if h, ok := strings.CutPrefix(s, "0X"); ok {
		digits, base = h, 16
	}
	// strconv would also take a sign, and with base 0 underscores; a CID
	// is digits only.
	ok := digits != ""
	for _, r := range digits {
		if !(r >= '0' && r <= '9' || base == 16 && (r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')) {
			ok = false
		}
	}
	if !ok {
		return 0, fmt.Errorf("invalid vsock CID %q: want a number such as 2 (the host) or 3, or \"any\"", s)
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid vsock CID %q: out of range (the largest is 4294967295)", s)
	}
	return uint32(v), nil
}

// wrapped is an error with gcat's wording that still matches its cause
// with errors.Is.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }
