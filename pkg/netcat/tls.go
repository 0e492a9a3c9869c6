package netcat

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"time"

	"github.com/gcat-dev/gcat/pkg/dtls"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// serverHandshakeTimeout bounds a listening gcat's wait for a client's TLS
// handshake, so that a client that connects and says nothing (a port
// scanner, a plain-text client) does not hold the server.
const serverHandshakeTimeout = 30 * time.Second

// prepareTLS builds the TLS configuration once, at start, so that a bad
// certificate or trust file is an error before any connection, and a
// server's temporary certificate's fingerprint is printed before any
// client comes.
func (r *runner) prepareTLS() error {
	if !r.cfg.TLS {
		return nil
	}
	o := r.cfg.TLSOptions
	if !r.cfg.Listen {
		conf, err := tlsconf.Client(o, r.cfg.Host)
		r.clientTLSConf = conf
		return err
	}
	if o.CertFile == "" {
		r.log.info("Generating a temporary ECDSA P-256 key. Use --ssl-key and --ssl-cert to use a permanent one.")
	}
	conf, err := tlsconf.Server(o, r.cfg.Host)
	if err != nil {
		return err
	}
	if leaf, err := tlsconf.Leaf(conf.Certificates[0]); err == nil {
		r.log.info("SHA-256 fingerprint: %s", tlsconf.Fingerprint(leaf))
	}
	r.serverTLS = conf
	return nil
}

// secure runs the server side of the handshake on an accepted connection;
// without --ssl it returns c as it is.
func (r *runner) secure(ctx context.Context, c net.Conn) (net.Conn, error) {
	if r.serverTLS == nil || r.cfg.UDP { // DTLS sessions come from the listener done
		return c, nil
	}
	tc := tls.Server(c, r.serverTLS)
	hctx, cancel := context.WithTimeout(ctx, serverHandshakeTimeout)
	defer cancel()
	if err := tlsconf.Handshake(hctx, tc); err != nil {
		c.Close()
		return nil, err
	}
	st := tc.ConnectionState()
	if len(st.PeerCertificates) > 0 {
		r.log.info("Client certificate: %s, SHA-256 fingerprint: %s", st.PeerCertificates[0].Subject, tlsconf.Fingerprint(st.PeerCertificates[0]))
	}
	return tc, nil
}

// clientTLS runs the client side of the handshake with the server at
// target, then reports on its certificate: at -v what it is, and, when
// --ssl-verify did not require it to verify, a warning if it would not
// have.
func (r *runner) clientTLS(ctx context.Context, c net.Conn, target string) (net.Conn, error) {
	conf := r.clientTLSConf
	if r.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.cfg.ConnectTimeout)
		defer cancel()
	}
	tc := tls.Client(c, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, &tlsError{target: target, err: tlsconf.Reason(err)}
	}
	r.reportServer(conf, tc.ConnectionState(), target, "SSL")
	return tc, nil
}

// clientDTLS is clientTLS over a connected UDP socket (--ssl -u).
func (r *runner) clientDTLS(ctx context.Context, c net.Conn, target string) (net.Conn, error) {
	conf := r.clientTLSConf
	if r.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.cfg.ConnectTimeout)
		defer cancel()
	}
	dc, err := dtls.Client(ctx, c, conf) // it closes c if the handshake fails
	if err != nil {
		return nil, err
	}
	r.reportServer(conf, dc.ConnectionState(), target, "DTLS")
	return dc, nil
}

// reportServer says what the server's certificate is (-v) and, when
// --ssl-verify did not require it to verify, warns if it would not have.
func (r *runner) reportServer(conf *tls.Config, st tls.ConnectionState, target, proto string) {
	if cert := st.PeerCertificates; len(cert) > 0 {
		r.log.info("Subject: %s", cert[0].Subject)
		r.log.info("Issuer: %s", cert[0].Issuer)
		r.log.info("SHA-256 fingerprint: %s", tlsconf.Fingerprint(cert[0]))
	}
	if conf.InsecureSkipVerify {
		if err := tlsconf.Check(st, nil); err != nil {
			r.log.error("warning: the certificate of %s is not verified: %s; --ssl-verify would refuse it",
				target, strings.TrimPrefix(err.Error(), "certificate verify failed: "))
		} else {
			r.log.info("Certificate verified.")
		}
	} else {
		r.log.info("Certificate verified.")
	}
	if st.NegotiatedProtocol != "" {
		r.log.info("ALPN: %s", st.NegotiatedProtocol)
	}
	version := tls.VersionName(st.Version)
	if st.Version == 0xfefd {
		version = "DTLS 1.2"
	}
	r.log.info("%s connection to %s (%s, %s).", proto, target, version, tls.CipherSuiteName(st.CipherSuite))
}

// tlsError is a failed client handshake, said as
// "tls handshake with HOST:PORT: reason".
type tlsError struct {
	target string
	err    error
}

func (e *tlsError) Error() string { return "tls handshake with " + e.target + ": " + e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }
