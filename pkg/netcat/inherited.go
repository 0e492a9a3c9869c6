package netcat

import (
	"errors"
	"fmt"
	"net"

	"github.com/gcat-dev/gcat/pkg/activation"
	"github.com/gcat-dev/gcat/pkg/dgram"
	"github.com/gcat-dev/gcat/pkg/listen"
	"github.com/gcat-dev/gcat/pkg/server"
)

// errAddrGiven is an address or port given where a service manager handed
// gcat its sockets.
var errAddrGiven = errors.New("an address or port was given: gcat serves the sockets it was handed instead of binding (give neither)")

// inherited returns the sockets a service manager handed over (systemd's
// LISTEN_FDS, upstart's UPSTART_FDS) as one Listener, or nil when there are
// none. The protocols' variables are removed from gcat's environment
// either way, so that no child sees them.
func (r *runner) inherited() (server.Listener, error) {
	socks, err := activation.Listeners(activation.Options{Datagram: r.cfg.UDP})
	switch {
	case err != nil:
		return nil, configErr(err)
	case len(socks) == 0:
		return nil, nil
	case r.cfg.AddrGiven:
		for _, s := range socks {
			s.Close()
		}
		return nil, configErr(fmt.Errorf("socket activation: %w", errAddrGiven))
	}
	var lns []net.Listener
	var pcs []net.PacketConn
	for _, s := range socks {
		r.log.Debugf("serving the socket handed over as %v", s)
		if s.Listener != nil {
			lns = append(lns, s.Listener)
		} else {
			pcs = append(pcs, s.PacketConn)
		}
	}
	if r.cfg.UDP {
		return dgram.Listen(pcs, r.dgramOptions()), nil
	}
	return listen.FromListeners(lns), nil
}
