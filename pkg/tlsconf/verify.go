package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// serverVerifier is the VerifyPeerCertificate of a client that requires
// the server's certificate to verify: its chain against roots (nil: the
// system's), its name as VerifyHostname checks it. crypto/tls's own check
// cannot be used, since it no longer falls back to the Common Name; pion's
// DTLS client calls the same function.
func serverVerifier(roots *x509.CertPool, name string) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		certs := make([]*x509.Certificate, 0, len(raw))
		for _, der := range raw {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return fmt.Errorf("bad server certificate: %w", err)
			}
			certs = append(certs, c)
		}
		return verify(certs, roots, name)
	}
}

// verify checks a peer's chain (leaf first) against roots and, unless name
// is empty, the leaf's name.
func verify(certs []*x509.Certificate, roots *x509.CertPool, name string) error {
	if len(certs) == 0 {
		return errors.New("no certificate")
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return err
	}
	if name == "" {
		return nil
	}
	return VerifyHostname(certs[0], name)
}

// CommonNameError is a certificate without subjectAltName whose Common Name
// is not the name asked for.
type CommonNameError struct {
	CommonName, Name string
}

func (e *CommonNameError) Error() string {
	return fmt.Sprintf("certificate is valid for %s (its Common Name; it has no subjectAltName), not %s", e.CommonName, e.Name)
}

// VerifyHostname checks that cert is valid for name, a DNS name or an IP
// address, as OpenSSL's X509_check_host and ncat check it: by the
// certificate's subjectAltName entries of that kind if it has any, and
// otherwise by its subject's Common Name. Go dropped the Common Name rule
// in 1.15, but the usual test certificate
// ("openssl req -x509 -subj /CN=localhost") has nothing else. The Common
// Name is matched like a DNS entry (case-insensitive, a wildcard in the
// leftmost label only), or, for an IP address, compared as one (ncat 7.93
// accepts CN=127.0.0.1 for 127.0.0.1).
func VerifyHostname(cert *x509.Certificate, name string) error {
	err := cert.VerifyHostname(name)
	if err == nil {
		return nil
	}
	if !noSANFor(cert, name) || cert.Subject.CommonName == "" {
		return err
	}
	if matchesCommonName(cert, name) {
		return nil
	}
	return &CommonNameError{CommonName: cert.Subject.CommonName, Name: name}
}

// LegacyCommonName reports whether the server certificate of a client
// connection to name is valid for it only by its Common Name (see
// VerifyHostname): worth a warning, since most clients, Go's and browsers
// among them, refuse such a certificate. name is the name verified
// (Config.ServerName); tls.ConnectionState.ServerName is empty when it is
// an IP address.
func LegacyCommonName(state tls.ConnectionState, name string) bool {
	if len(state.PeerCertificates) == 0 || name == "" {
		return false
	}
	leaf := state.PeerCertificates[0]
	return leaf.VerifyHostname(name) != nil && noSANFor(leaf, name) && matchesCommonName(leaf, name)
}

// noSANFor reports whether cert has no subjectAltName entry of name's
// kind, DNS or IP, which is when OpenSSL looks at the Common Name.
func noSANFor(cert *x509.Certificate, name string) bool {
	if isIP(name) {
		return len(cert.IPAddresses) == 0
	}
	return len(cert.DNSNames) == 0
}

func matchesCommonName(cert *x509.Certificate, name string) bool {
	cn := cert.Subject.CommonName
	if isIP(name) {
		ip, cnIP := net.ParseIP(strings.Trim(name, "[]")), net.ParseIP(cn)
		return cnIP != nil && cnIP.Equal(ip)
	}
	// Go's DNS entry matching, applied to the Common Name.
	probe := &x509.Certificate{DNSNames: []string{cn}}
	return probe.VerifyHostname(name) == nil
}

func isIP(name string) bool { return net.ParseIP(strings.Trim(name, "[]")) != nil }
