package netcat

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"

	"github.com/gcat-dev/gcat/internal/rawio"
	"github.com/gcat-dev/gcat/pkg/dtls"
	"github.com/gcat-dev/gcat/pkg/neterr"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// prepareTLS builds the TLS configuration once, at start, so that a bad
// certificate or trust file is an error before any connection, and a
// server's temporary certificate's fingerprint is printed before any
// client comes.
func (r *runner) prepareTLS() error {
	if !r.cfg.TLS {
		return nil
	}
	o := r.cfg.TLSOptions
	if !r.cfg.Listen && !r.cfg.Inetd {
		conf, err := tlsconf.Client(o, r.cfg.Host)
		r.clientTLS = conf
		return configErr(err)
	}
	if o.CertFile == "" {
		r.log.Infof("Generating a temporary ECDSA P-256 key. Use --ssl-key and --ssl-cert to use a permanent one.")
	}
	conf, err := tlsconf.Server(o, r.cfg.Host)
	if err != nil {
		return configErr(err)
	}
	if leaf, err := tlsconf.Leaf(conf.Certificates[0]); err == nil {
		r.log.Infof("SHA-256 fingerprint: %s", tlsconf.Fingerprint(leaf))
	}
	if r.cfg.UDP {
		if err := dtls.CheckServer(conf); err != nil {
			return configErr(err)
		}
	}
	r.serverTLS = conf
	return nil
}

// tlsHandshake is the pipeline's handshake with --ssl: the server side of
// TLS on an accepted connection.
func (r *runner) tlsHandshake(ctx context.Context, c net.Conn) (net.Conn, error) {
	tc := tls.Server(rawio.Wrap(c), r.serverTLS)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, tlsconf.Reason(err)
	}
	r.logClientCert(tc.ConnectionState())
	return tc, nil
}

// dtlsHandshake is the pipeline's handshake with --ssl -u: the server side
// of DTLS on a peer's first datagrams.
func (r *runner) dtlsHandshake(ctx context.Context, c net.Conn) (net.Conn, error) {
	dc, err := dtls.Server(ctx, c, r.serverTLS)
	if err != nil {
		return nil, err
	}
	r.logClientCert(dc.ConnectionState())
	return dc, nil
}

func (r *runner) logClientCert(st tls.ConnectionState) {
	if len(st.PeerCertificates) > 0 {
		r.log.Infof("Client certificate: %s, SHA-256 fingerprint: %s", st.PeerCertificates[0].Subject, tlsconf.Fingerprint(st.PeerCertificates[0]))
	}
}

// secureClient runs the client side of TLS (or DTLS, with -u) over c, a
// connection to the target, bounded by -w, and reports on the server's
// certificate.
func (r *runner) secureClient(ctx context.Context, c net.Conn) (net.Conn, error) {
	target := net.JoinHostPort(r.cfg.Host, strconv.Itoa(r.cfg.Port))
	if r.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.cfg.ConnectTimeout)
		defer cancel()
	}
	if r.cfg.UDP {
		dc, err := dtls.Client(ctx, c, r.clientTLS) // it closes c if the handshake fails
		if err != nil {
			return nil, err
		}
		r.reportServer(dc.ConnectionState(), target, "DTLS")
		return dc, nil
	}
	tc := tls.Client(rawio.Wrap(c), r.clientTLS)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, &neterr.Error{Op: "tls handshake with", Addr: target, Err: tlsconf.Reason(err)}
	}
	r.reportServer(tc.ConnectionState(), target, "SSL")
	return tc, nil
}

// reportServer says what the server's certificate is (-v) and, when
// --ssl-verify did not require it to verify, warns if it would not have.
func (r *runner) reportServer(st tls.ConnectionState, target, proto string) {
	if cert := st.PeerCertificates; len(cert) > 0 {
		r.log.Infof("Subject: %s", cert[0].Subject)
		r.log.Infof("Issuer: %s", cert[0].Issuer)
		r.log.Infof("SHA-256 fingerprint: %s", tlsconf.Fingerprint(cert[0]))
	}
	name := r.clientTLS.ServerName
	err := error(nil)
	if !r.cfg.TLSOptions.Verifying() {
		err = tlsconf.CheckName(st, nil, name)
	}
	if tlsconf.LegacyCommonName(st, name) {
		r.log.Infof("warning: the certificate of %s has no subjectAltName: it matches %s only by its Common Name, which most clients no longer accept", target, name)
	}
	var ve *tlsconf.VerifyError
	switch {
	case errors.As(err, &ve):
		r.log.Errorf("warning: the certificate of %s is not verified: %s; --ssl-verify would refuse it", target, ve.Reason)
	case err != nil:
		r.log.Errorf("warning: the certificate of %s is not verified: %v; --ssl-verify would refuse it", target, err)
	default:
		r.log.Infof("Certificate verified.")
	}
	if st.NegotiatedProtocol != "" {
		r.log.Infof("ALPN: %s", st.NegotiatedProtocol)
	}
	version := tls.VersionName(st.Version)
	if st.Version == 0xfefd {
		version = "DTLS 1.2"
	}
	r.log.Infof("%s connection to %s (%s, %s).", proto, target, version, tls.CipherSuiteName(st.CipherSuite))
}
