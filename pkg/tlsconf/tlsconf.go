// Package tlsconf turns ncat's --ssl options into crypto/tls configurations:
// client verification (off by default, as in ncat, but reported), trust
// files, SNI, ALPN, OpenSSL-style cipher strings, certificates from PEM
// files or an ephemeral self-signed one, and the one-line reasons a
// handshake or a verification fails.
package tlsconf

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/gcat-dev/gcat/pkg/neterr"
)

// Options are the --ssl-* settings. The zero value is ncat's plain --ssl.
type Options struct {
	// CertFile and KeyFile are PEM files (--ssl-cert, --ssl-key): the
	// server's certificate chain, or the client's certificate.
	CertFile, KeyFile string
	// Verify requires the peer's certificate to verify (--ssl-verify).
	// In listen mode it asks for and requires a client certificate.
	Verify bool
	// TrustFile replaces the system roots with the PEM certificates in it
	// (--ssl-trustfile); it implies Verify.
	TrustFile string
	// ServerName is the SNI name and the name verified (--ssl-servername);
	// "" means the target host.
	ServerName string
	// ALPN lists the protocols offered or accepted (--ssl-alpn).
	ALPN []string
	// Ciphers is an OpenSSL cipher string (--ssl-ciphers). "" keeps Go's
	// defaults, which are ncat's default string (DefaultCiphers) minus the
	// suites without forward secrecy.
	Ciphers string
}

// DefaultCiphers is ncat's default --ssl-ciphers.
const DefaultCiphers = "ALL:!aNULL:!eNULL:!LOW:!EXP:!RC4:!MD5:@STRENGTH"

// Verifying reports whether the peer's certificate must verify: with it,
// a handshake with a peer whose certificate does not verify fails; without
// it, Check says whether it would have.
func (o Options) Verifying() bool { return o.Verify || o.TrustFile != "" }

// base is what client and server configurations share.
func (o Options) base() (*tls.Config, error) {
	conf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: o.ALPN,
	}
	if o.Ciphers != "" {
		suites, err := Ciphers(o.Ciphers)
		if err != nil {
			return nil, err
		}
		conf.CipherSuites = suites
	}
	if o.TrustFile != "" {
		pool, err := loadPool(o.TrustFile)
		if err != nil {
			return nil, err
		}
		conf.RootCAs, conf.ClientCAs = pool, pool
	}
	if o.CertFile != "" || o.KeyFile != "" {
		cert, err := LoadCertificate(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, err
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}

// Client returns the configuration for a connection to host. Unless
// verification is asked for, the server's certificate is accepted as it is,
// as ncat does; Check then says whether it would have verified.
//
// With verification the configuration has InsecureSkipVerify set all the
// same: its VerifyPeerCertificate does the whole check, as OpenSSL does it
// (see VerifyHostname), which crypto/tls's own would refuse for a
// certificate that has only a Common Name. Ask Options.Verifying, not
// InsecureSkipVerify, whether the certificate was verified.
func Client(o Options, host string) (*tls.Config, error) {
	conf, err := o.base()
	if err != nil {
		return nil, err
	}
	conf.ServerName = o.ServerName
	if conf.ServerName == "" {
		conf.ServerName = host
	}
	conf.InsecureSkipVerify = true
	if o.Verifying() {
		conf.VerifyPeerCertificate = serverVerifier(conf.RootCAs, conf.ServerName)
	}
	return conf, nil
}

// Server returns the configuration for listen mode. Without a certificate
// file it makes an ephemeral self-signed certificate for hosts (ncat does
// the same at every start).
func Server(o Options, hosts ...string) (*tls.Config, error) {
	conf, err := o.base()
	if err != nil {
		return nil, err
	}
	if len(conf.Certificates) == 0 {
		cert, err := SelfSigned(hosts...)
		if err != nil {
			return nil, err
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if o.Verifying() {
		conf.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return conf, nil
}

// LoadCertificate reads a PEM certificate chain and its private key (RSA,
// ECDSA or Ed25519). Both files are needed, as in ncat.
func LoadCertificate(certFile, keyFile string) (tls.Certificate, error) {
	switch {
	case certFile == "":
		return tls.Certificate{}, errors.New("--ssl-key needs --ssl-cert")
	case keyFile == "":
		return tls.Certificate{}, errors.New("--ssl-cert needs --ssl-key")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return cert, fmt.Errorf("cannot load the certificate %s and key %s: %w", certFile, keyFile, pemReason(err))
	}
	return cert, nil
}

// pemReason drops the path a PathError repeats.
func pemReason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

func loadPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the trust file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("trust file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// Fingerprint is a certificate's SHA-256 digest in ncat's layout: groups of
// four hex digits.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	hex := fmt.Sprintf("%X", sum[:])
	var b strings.Builder
	for i := 0; i < len(hex); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(hex[i : i+4])
	}
	return b.String()
}

// Handshake runs the handshake of c, bounded by ctx, and says why it failed
// in one line.
func Handshake(ctx context.Context, c *tls.Conn) error {
	if err := c.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("tls handshake with %s: %w", c.RemoteAddr(), Reason(err))
	}
	return nil
}

// Check verifies a connection's server certificate as --ssl-verify would
// against roots (nil: the system's), and returns why it does not verify, or
// nil. Clients that do not require verification report it as a warning.
// The name checked is the one sent as SNI, so none for an IP address; see
// CheckName.
func Check(state tls.ConnectionState, roots *x509.CertPool) error {
	return CheckName(state, roots, state.ServerName)
}

// CheckName is Check for the name verified (Config.ServerName), which may
// be an IP address. If name is empty, only the chain is checked.
func CheckName(state tls.ConnectionState, roots *x509.CertPool, name string) error {
	return Reason(verify(state.PeerCertificates, roots, name))
}

// VerifyError is a certificate that does not verify, with the short reason
// users know (unknown authority, expired, name mismatch). Err is crypto's
// own error (an x509.UnknownAuthorityError, say), for errors.As.
type VerifyError struct {
	Reason string
	Err    error
}

func (e *VerifyError) Error() string { return "certificate verify failed: " + e.Reason }
func (e *VerifyError) Unwrap() error { return e.Err }

// Reason rewrites certificate errors as *VerifyError and a timeout as a
// *neterr.TimeoutError; other errors pass through.
func Reason(err error) error {
	var (
		ua  x509.UnknownAuthorityError
		ci  x509.CertificateInvalidError
		he  x509.HostnameError
		cne *CommonNameError
		ve  *tls.CertificateVerificationError
		rec tls.RecordHeaderError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ua):
		if ua.Cert != nil && ua.Cert.Issuer.String() == ua.Cert.Subject.String() {
			return &VerifyError{"self-signed certificate (unknown authority)", err}
		}
		return &VerifyError{"unknown authority", err}
	case errors.As(err, &ci):
		if ci.Reason == x509.Expired {
			return &VerifyError{fmt.Sprintf("certificate has expired or is not yet valid (valid %s to %s)",
				ci.Cert.NotBefore.UTC().Format(time.DateOnly), ci.Cert.NotAfter.UTC().Format(time.DateOnly)), err}
		}
		return &VerifyError{ci.Error(), err}
	case errors.As(err, &he):
		return &VerifyError{"name mismatch: " + he.Error(), err}
	case errors.As(err, &cne):
		return &VerifyError{"name mismatch: " + cne.Error(), err}
	case errors.As(err, &ve):
		return &VerifyError{ve.Err.Error(), err}
	case errors.As(err, &rec):
		return errors.New("the peer does not speak TLS")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &neterr.TimeoutError{Err: err}
	}
	return err
}
