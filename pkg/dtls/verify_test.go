package dtls_test

import (
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testpki"
	"github.com/gcat-dev/gcat/pkg/dtls"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// testPKI is a CA with a server and a client certificate.
type testPKI struct {
	ca                    *testpki.CA
	serverCert, serverKey string
	clientCert, clientKey string
}

func newPKI(t *testing.T) *testPKI {
	ca := testpki.New(t)
	p := &testPKI{ca: ca}
	p.serverCert, p.serverKey = ca.Leaf("server", "ecdsa", time.Now().Add(time.Hour), "localhost", "127.0.0.1")
	p.clientCert, p.clientKey = ca.Leaf("client", "ecdsa", time.Now().Add(time.Hour), "gcat client")
	return p
}

func TestServerVerification(t *testing.T) {
	pki := newPKI(t)
	other := newPKI(t)
	hour := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name       string
		kind       string    // server key
		notAfter   time.Time // of the server's certificate
		hosts      []string  // the server's certificate is for
		trust      string    // client's trust file
		serverName string
		want       string // in the client's error; "" for success
	}{
		{name: "ecdsa", kind: "ecdsa", notAfter: hour, hosts: []string{"localhost"}, trust: pki.ca.CAFile},
		{name: "rsa", kind: "rsa", notAfter: hour, hosts: []string{"localhost"}, trust: pki.ca.CAFile},
		{name: "ed25519", kind: "ed25519", notAfter: hour, hosts: []string{"localhost"}, trust: pki.ca.CAFile},
		{name: "ip address", kind: "ecdsa", notAfter: hour, hosts: []string{"127.0.0.1"}, trust: pki.ca.CAFile, serverName: "127.0.0.1"},
		{name: "unknown authority", kind: "ecdsa", notAfter: hour, hosts: []string{"localhost"}, trust: other.ca.CAFile,
			want: "certificate verify failed: unknown authority"},
		{name: "expired", kind: "ecdsa", notAfter: time.Now().Add(-time.Hour), hosts: []string{"localhost"}, trust: pki.ca.CAFile,
			want: "certificate verify failed: certificate has expired"},
		{name: "name mismatch", kind: "ecdsa", notAfter: hour, hosts: []string{"other.example"}, trust: pki.ca.CAFile,
			want: "certificate verify failed: name mismatch"},
		{name: "not verified", kind: "ecdsa", notAfter: time.Now().Add(-time.Hour), hosts: []string{"other.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cert, key := pki.ca.Leaf("server", tc.kind, tc.notAfter, tc.hosts...)
			s := listen(t, serverConf(t, tlsconf.Options{CertFile: cert, KeyFile: key}), 0)
			host := tc.serverName
			if host == "" {
				host = "localhost"
			}
			c, err := dial(s.addr, clientConf(t, tlsconf.Options{TrustFile: tc.trust}, host))
			if tc.want != "" {
				wantErr(t, err, "dtls handshake with "+s.addr.String()+": "+tc.want)
				// The server learns of it from the client's alert.
				wantErr(t, s.nextFailure(t), "Failed DTLS connection from 127.0.0.1:")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			st := c.ConnectionState()
			if len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != tc.hosts[0] {
				t.Fatalf("peer certificates %v", st.PeerCertificates)
			}
			if err := tlsconf.Check(st, nil); tc.trust == "" && err == nil {
				t.Error("tlsconf.Check passed a certificate no system trusts")
			}
			srv := s.accept(t)
			write(t, c, "verified")
			if got := readMsg(t, srv); got != "verified" {
				t.Fatalf("read %q", got)
			}
		})
	}
}

func TestClientCertificates(t *testing.T) {
	pki := newPKI(t)
	other := newPKI(t)
	for _, tc := range []struct {
		name       string
		cert, key  string
		wantClient string // in the client's error; "" for success
		wantServer string // in the server's report
	}{
		{name: "trusted", cert: pki.clientCert, key: pki.clientKey},
		{name: "none", wantClient: "the server refused the handshake: no certificate", wantServer: "server required client verification, but got none"},
		{name: "unknown authority", cert: other.clientCert, key: other.clientKey, wantClient: "the server refused the handshake: bad certificate",
			wantServer: "certificate verify failed: unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := listen(t, serverConf(t, tlsconf.Options{CertFile: pki.serverCert, KeyFile: pki.serverKey, TrustFile: pki.ca.CAFile}), 0)
			c, err := dial(s.addr, clientConf(t, tlsconf.Options{CertFile: tc.cert, KeyFile: tc.key, TrustFile: pki.ca.CAFile}, "localhost"))
			if tc.wantClient != "" {
				wantErr(t, err, tc.wantClient)
				wantErr(t, s.nextFailure(t), tc.wantServer)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			srv := s.accept(t)
			st := srv.(*dtls.Conn).ConnectionState()
			if len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "gcat client" {
				t.Fatalf("client certificates %v", st.PeerCertificates)
			}
		})
	}
}
