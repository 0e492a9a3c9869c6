// Package dtls runs ncat's --ssl over UDP (ncat 7.94's DTLS 1.2) on
// github.com/pion/dtls: it turns the crypto/tls configuration that
// pkg/tlsconf builds from the --ssl options into pion's, and gives gcat the
// client's and the server's handshakes (the server's runs in the server
// pipeline, on a datagram peer's session), whose sessions are net.Conns that
// keep datagram boundaries, end both ways at close_notify (CloseWrite sends
// it: DTLS 1.2 has no half-close), and say in one line why a handshake
// failed.
package dtls

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/logging"
)

// DefaultHandshakeTimeout bounds a handshake whose context has no deadline
// (Client) or whose Listener sets none: ncat's default connect timeout.
// Without a bound, pion would retransmit to a silent peer forever.
const DefaultHandshakeTimeout = 10 * time.Second

// mtu is the size handshake messages are fragmented to. Pion's default of
// 1200 bytes fits any path (IPv6 guarantees 1280), so a certificate chain
// crosses tunnels and loopback alike without relying on IP fragmentation.
const mtu = 1200

// defaultSuites are pion's suites with forward secrecy and an AEAD cipher
// (all of them in ncat's default cipher string), in Go's order of
// preference.
var defaultSuites = []dtls.CipherSuiteID{
	dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	dtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	dtls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// extraSuites are the other certificate suites pion has, used only when
// --ssl-ciphers names them. Its PSK suites need a key gcat has no option
// for.
var extraSuites = []dtls.CipherSuiteID{
	dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	dtls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
}

// Client runs the client handshake over conn, a connected datagram socket
// (a *net.UDPConn from net.DialUDP, say) whose every Read returns one
// datagram. ctx bounds the handshake; without a deadline,
// DefaultHandshakeTimeout does. The returned Conn owns conn; if the
// handshake fails, conn is closed.
func Client(ctx context.Context, conn net.Conn, conf *tls.Config) (*Conn, error) {
	raddr := conn.RemoteAddr()
	opts, err := clientOptions(conf)
	if err != nil {
		conn.Close()
		return nil, err
	}
	pc := newPacketConn(conn)
	dc, err := dtls.ClientWithOptions(pc, raddr, opts...)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("dtls: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultHandshakeTimeout)
		defer cancel()
	}
	if err := dc.HandshakeContext(ctx); err != nil {
		dc.Close() // closes conn too
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err() // the user gave up: nothing to explain
		}
		return nil, handshakeError(raddr, pc, err, "server")
	}
	return newConn(dc, conf.ServerName), nil
}

// shared returns the options that client and server take alike.
func shared(conf *tls.Config) ([]dtls.Option, error) {
	suites, err := cipherSuites(conf.CipherSuites)
	if err != nil {
		return nil, err
	}
	opts := []dtls.Option{
		dtls.WithCipherSuites(suites...),
		// Required: without it a man in the middle can give two
		// sessions the same keys (the triple handshake attack). OpenSSL
		// has offered it since 1.1.0.
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithMTU(mtu),
		// Pion logs some failures to stderr besides returning them;
		// gcat reports what it returns.
		dtls.WithLoggerFactory(&logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled}),
		// Connection IDs (RFC 9146) stay off: the listener routes
		// datagrams by the peer's address, so a peer that moved would not
		// be found by its ID anyway, and OpenSSL 3.0 has none.
	}
	if len(conf.Certificates) > 0 {
		opts = append(opts, dtls.WithCertificates(conf.Certificates...))
	}
	if len(conf.NextProtos) > 0 {
		opts = append(opts, dtls.WithSupportedProtocols(conf.NextProtos...))
	}
	if conf.VerifyPeerCertificate != nil {
		opts = append(opts, dtls.WithVerifyPeerCertificate(conf.VerifyPeerCertificate))
	}
	if conf.KeyLogWriter != nil {
		opts = append(opts, dtls.WithKeyLogWriter(conf.KeyLogWriter))
	}
	return opts, nil
}

func clientOptions(conf *tls.Config) ([]dtls.ClientOption, error) {
	base, err := shared(conf)
	if err != nil {
		return nil, err
	}
	var opts []dtls.ClientOption
	for _, o := range base {
		opts = append(opts, o)
	}
	return append(opts,
		dtls.WithRootCAs(conf.RootCAs),
		dtls.WithServerName(conf.ServerName),
		dtls.WithInsecureSkipVerify(conf.InsecureSkipVerify),
	), nil
}

func serverOptions(conf *tls.Config) ([]dtls.ServerOption, error) {
	if len(conf.Certificates) == 0 {
		return nil, errors.New("dtls: a server needs a certificate")
	}
	base, err := shared(conf)
	if err != nil {
		return nil, err
	}
	auth, err := clientAuth(conf.ClientAuth)
	if err != nil {
		return nil, err
	}
	var opts []dtls.ServerOption
	for _, o := range base {
		opts = append(opts, o)
	}
	return append(opts,
		dtls.WithClientAuth(auth),
		dtls.WithClientCAs(conf.ClientCAs),
	), nil
}

func clientAuth(a tls.ClientAuthType) (dtls.ClientAuthType, error) {
	switch a {
	case tls.NoClientCert:
		return dtls.NoClientCert, nil
	case tls.RequestClientCert:
		return dtls.RequestClientCert, nil
	case tls.RequireAnyClientCert:
		return dtls.RequireAnyClientCert, nil
	case tls.VerifyClientCertIfGiven:
		return dtls.VerifyClientCertIfGiven, nil
	case tls.RequireAndVerifyClientCert:
		return dtls.RequireAndVerifyClientCert, nil
	}
	return 0, fmt.Errorf("dtls: unknown client authentication policy %v", a)
}

// cipherSuites keeps, in their order, the suites of ids that pion has:
// --ssl-ciphers is an OpenSSL string meant for TLS, and may name suites
// DTLS cannot use (RC4 never could) or pion lacks.
func cipherSuites(ids []uint16) ([]dtls.CipherSuiteID, error) {
	if ids == nil {
		return defaultSuites, nil
	}
	all := slices.Concat(defaultSuites, extraSuites)
	have := map[dtls.CipherSuiteID]bool{}
	for _, id := range all {
		have[id] = true
	}
	var suites []dtls.CipherSuiteID
	for _, id := range ids {
		if have[dtls.CipherSuiteID(id)] {
			suites = append(suites, dtls.CipherSuiteID(id))
		}
	}
	if len(suites) == 0 {
		var names []string
		for _, id := range all {
			names = append(names, tls.CipherSuiteName(uint16(id)))
		}
		return nil, fmt.Errorf("dtls: none of the ciphers asked for is available for DTLS (available: %s)", strings.Join(names, ", "))
	}
	return suites, nil
}

// CheckServer checks that conf (from tlsconf.Server) can serve DTLS, so that
// a configuration pion refuses is an error at start: pion checks its
// options only when a peer comes.
func CheckServer(conf *tls.Config) error {
	_, err := checkServer(conf)
	return err
}

func checkServer(conf *tls.Config) ([]dtls.ServerOption, error) {
	opts, err := serverOptions(conf)
	if err != nil {
		return nil, err
	}
	dc, err := dtls.ServerWithOptions(newPacketConn(nopConn{}), nopAddr{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("dtls: invalid configuration: %w", err)
	}
	dc.Close()
	return opts, nil
}

// Server runs the server handshake with one peer over c, the peer's session
// of a datagram listener (a *dgram.Session), whose every Read returns one
// datagram. ctx bounds the handshake; without a deadline,
// DefaultHandshakeTimeout does. The returned Conn owns c; if the handshake
// fails, c is closed and the error says why in a few words.
func Server(ctx context.Context, c net.Conn, conf *tls.Config) (*Conn, error) {
	opts, err := serverOptions(conf)
	if err != nil {
		c.Close()
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultHandshakeTimeout)
		defer cancel()
	}
	return server(ctx, c, opts)
}

func server(ctx context.Context, c net.Conn, opts []dtls.ServerOption) (*Conn, error) {
	pc := newPacketConn(c)
	dc, err := dtls.ServerWithOptions(pc, c.RemoteAddr(), opts...)
	if err != nil {
		c.Close()
		return nil, reason(pc, err, "client")
	}
	if err := dc.HandshakeContext(ctx); err != nil {
		dc.Close() // closes c too
		return nil, reason(pc, err, "client")
	}
	return newConn(dc, ""), nil
}

// nopConn is a session that never receives, for checking options.
type nopConn struct{ net.Conn }

func (nopConn) Close() error         { return nil }
func (nopConn) LocalAddr() net.Addr  { return nopAddr{} }
func (nopConn) RemoteAddr() net.Addr { return nopAddr{} }

type nopAddr struct{}

func (nopAddr) Network() string { return "udp" }
func (nopAddr) String() string  { return "-" }
