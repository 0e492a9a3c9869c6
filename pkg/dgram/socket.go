package dgram

import (
	"net"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// socket is one listening socket, with the control messages that tell which
// local address a datagram was sent to, so that the reply comes from it.
type socket struct {
	idx int
	pc  net.PacketConn
	p4  *ipv4.PacketConn
	p6  *ipv6.PacketConn
}

func newSocket(idx int, pc net.PacketConn) *socket {
	s := &socket{idx: idx, pc: pc}
	if a, ok := pc.LocalAddr().(*net.UDPAddr); ok {
		if a.IP.To4() != nil {
			p := ipv4.NewPacketConn(pc)
			if p.SetControlMessage(ipv4.FlagDst, true) == nil {
				s.p4 = p
			}
		} else {
			p := ipv6.NewPacketConn(pc)
			if p.SetControlMessage(ipv6.FlagDst, true) == nil {
				s.p6 = p
			}
		}
	}
	return s
}

func (s *socket) read(b []byte) (n int, from net.Addr, dst net.IP, err error) {
	switch {
	case s.p4 != nil:
		var cm *ipv4.ControlMessage
		n, cm, from, err = s.p4.ReadFrom(b)
		if cm != nil {
			dst = cm.Dst
		}
	case s.p6 != nil:
		var cm *ipv6.ControlMessage
		n, cm, from, err = s.p6.ReadFrom(b)
		if cm != nil {
			dst = cm.Dst
		}
	default:
		n, from, err = s.pc.ReadFrom(b)
	}
	if err == nil && isNil(from) {
		// A Unix datagram from an unbound socket: nobody to answer.
		from = &net.UnixAddr{Net: "unixgram"}
	}
	return n, from, dst, err
}

func isNil(a net.Addr) bool {
	u, ok := a.(*net.UnixAddr)
	return a == nil || ok && u == nil
}

func (s *socket) write(b []byte, src net.IP, to net.Addr) (int, error) {
	switch {
	case s.p4 != nil && src != nil:
		return s.p4.WriteTo(b, &ipv4.ControlMessage{Src: src}, to)
	case s.p6 != nil && src != nil:
		return s.p6.WriteTo(b, &ipv6.ControlMessage{Src: src}, to)
	}
	return s.pc.WriteTo(b, to)
}
