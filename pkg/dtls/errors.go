package dtls

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"unicode"

	"github.com/gcat-dev/gcat/pkg/tlsconf"
	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/protocol/alert"
)

// handshakeError says in one line why the handshake with raddr over pc
// failed; peer names the other side ("server" or "client").
func handshakeError(raddr net.Addr, pc *packetConn, err error, peer string) error {
	return fmt.Errorf("dtls handshake with %s: %w", raddr, reason(pc, err, peer))
}

// alertError is pion's error for an alert from the peer.
type alertError interface {
	IsFatalOrCloseNotify() bool
	Marshal() ([]byte, error) // level, description
}

func reason(pc *packetConn, err error, peer string) error {
	var ae alertError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		// What came back, if anything, tells a dead port from a service
		// that is not DTLS.
		switch {
		case pc == nil || pc.received.Load() == 0:
			return fmt.Errorf("no answer from the %s", peer)
		case !pc.sawDTLS.Load():
			return fmt.Errorf("the %s does not speak DTLS", peer)
		}
		return errors.New("timed out")
	case errors.As(err, &ae):
		if b, merr := ae.Marshal(); merr == nil && len(b) == 2 {
			return fmt.Errorf("the %s refused the handshake: %s", peer, words(alert.Description(b[1]).String()))
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused")
	}
	return tlsconf.Reason(unwrapPion(err))
}

// unwrapPion drops pion's wrappers ("handshake error: dtls fatal: ..."),
// which say nothing a user can act on.
func unwrapPion(err error) error {
	for {
		var next error
		switch e := err.(type) {
		case *dtls.HandshakeError:
			next = e.Err
		case *dtls.FatalError:
			next = e.Err
		case *dtls.InternalError:
			next = e.Err
		case *dtls.TemporaryError:
			next = e.Err
		case *dtls.TimeoutError:
			next = e.Err
		}
		if next == nil {
			return err
		}
		err = next
	}
}

// words turns an alert's name ("BadCertificate") into "bad certificate".
func words(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte(' ')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
