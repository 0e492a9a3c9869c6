package dgram

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// socket is one listening socket, with the control messages that tell which
// local address a datagram was sent to, so that the reply comes from it.
type socket struct {
	idx int
	pc  net.PacketConn
	// udp is pc when it is UDP, read with the standard library's
	// ReadMsgUDPAddrPort and its control message parsed here: x/net's
	// PacketConn.ReadFrom costs a getsockopt and several allocations per
	// datagram.
	udp *net.UDPConn
	// ctl is 4 or 6 once the socket reports each datagram's destination
	// (IP_PKTINFO or its platform's equivalent) in a control message of
	// that family, 0 if it cannot. oob, cm4 and cm6 are readLoop's own.
	ctl int
	oob []byte
	cm4 ipv4.ControlMessage
	cm6 ipv6.ControlMessage
}

func newSocket(idx int, pc net.PacketConn) *socket {
	s := &socket{idx: idx, pc: pc}
	if a, ok := pc.LocalAddr().(*net.UDPAddr); ok {
		s.udp, _ = pc.(*net.UDPConn)
		if a.IP.To4() != nil {
			if ipv4.NewPacketConn(pc).SetControlMessage(ipv4.FlagDst, true) == nil {
				s.ctl, s.oob = 4, ipv4.NewControlMessage(ipv4.FlagDst)
			}
		} else if ipv6.NewPacketConn(pc).SetControlMessage(ipv6.FlagDst, true) == nil {
			s.ctl, s.oob = 6, ipv6.NewControlMessage(ipv6.FlagDst)
		}
	}
	return s
}

// peer is who sent a datagram: a UDP address, or, on any other socket (a
// Unix datagram one), the address the socket gave.
type peer struct {
	ap    netip.AddrPort
	other net.Addr
}

// addr is p as a net.Addr, made once per session rather than per datagram.
func (p peer) addr() net.Addr {
	if p.other != nil {
		return p.other
	}
	return net.UDPAddrFromAddrPort(p.ap)
}

// read returns the next datagram's sender and, when the socket tells, the
// local address it was sent to.
func (s *socket) read(b []byte) (n int, from peer, dst netip.Addr, err error) {
	if s.udp != nil {
		var oobn int
		n, oobn, _, from.ap, err = s.udp.ReadMsgUDPAddrPort(b, s.oob)
		if err != nil || oobn == 0 {
			return n, from, dst, err
		}
		var ip net.IP
		switch s.ctl {
		case 4:
			if s.cm4.Parse(s.oob[:oobn]) == nil {
				ip = s.cm4.Dst
			}
		case 6:
			if s.cm6.Parse(s.oob[:oobn]) == nil {
				ip = s.cm6.Dst
			}
		}
		dst, _ = netip.AddrFromSlice(ip)
		return n, from, dst, nil
	}
	var a net.Addr
	n, a, err = s.pc.ReadFrom(b)
	if err == nil && isNil(a) {
		// A Unix datagram from an unbound socket: nobody to answer.
		a = &net.UnixAddr{Net: "unixgram"}
	}
	from.other = a
	return n, from, dst, err
}

func isNil(a net.Addr) bool {
	u, ok := a.(*net.UnixAddr)
	return a == nil || ok && u == nil
}

// source is the local address a session's replies come from, with the
// control message that says so, made once per address.
type source struct {
	addr netip.Addr
	oob  []byte
}

func (s *socket) source(a netip.Addr) *source {
	src := &source{addr: a}
	switch s.ctl {
	case 4:
		src.oob = (&ipv4.ControlMessage{Src: a.AsSlice()}).Marshal()
	case 6:
		src.oob = (&ipv6.ControlMessage{Src: a.AsSlice()}).Marshal()
	}
	return src
}

// write sends b to a peer, from src if it is known.
func (s *socket) write(b []byte, src *source, to peer) (int, error) {
	if s.udp != nil && to.other == nil {
		if src == nil || src.oob == nil {
			return s.udp.WriteToUDPAddrPort(b, to.ap)
		}
		n, _, err := s.udp.WriteMsgUDPAddrPort(b, src.oob, to.ap)
		return n, err
	}
	return s.pc.WriteTo(b, to.other)
}
