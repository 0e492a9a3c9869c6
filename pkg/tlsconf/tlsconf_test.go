package tlsconf

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testpki"
)

func TestCiphers(t *testing.T) {
	names := func(spec string) string {
		ids, err := Ciphers(spec)
		if err != nil {
			return "error"
		}
		return strings.Join(SuiteNames(ids), ":")
	}
	tests := []struct{ spec, want string }{
		{"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
		{"ecdhe-rsa-aes128-gcm-sha256", "ECDHE-RSA-AES128-GCM-SHA256"},
		{"ECDHE+AESGCM+aECDSA", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"},
		{"CHACHA20", "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"},
		{"ECDHE+CHACHA20:!aRSA", "ECDHE-ECDSA-CHACHA20-POLY1305"},
		// "-" removes for now, "!" for good.
		{"AESGCM+ECDHE+aRSA:-AES256:AES256+aRSA+ECDHE+AESGCM", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"},
		{"AESGCM+ECDHE+aRSA:!AES256:AES256+aRSA+ECDHE+AESGCM", "ECDHE-RSA-AES128-GCM-SHA256"},
		// "+" moves to the end; @STRENGTH sorts by key length.
		{"ECDHE+AESGCM+aRSA:+AES256", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"},
		{"ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@STRENGTH", "ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA"},
		// Words Go does not offer select nothing, as in OpenSSL.
		{"DHE-RSA-AES256-GCM-SHA384:CAMELLIA:AES128-SHA:ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-SHA"},
		{"ECDHE-RSA-AES128-SHA,ECDHE-RSA-AES256-SHA ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256"},
		{"RC4-SHA", "error"},
		{"DHE-RSA-AES256-SHA:!ALL", "error"},
		{"", "error"},
		{"NOSUCHCIPHER", "error"},
		{"kRSA", "error"},
		{"AES128-GCM-SHA256", "error"},
	}
	for _, tt := range tests {
		if got := names(tt.spec); got != tt.want {
			t.Errorf("Ciphers(%q) = %s, want %s", tt.spec, got, tt.want)
		}
	}
	// ncat's default string keeps every suite, 256-bit ones first.
	ids, err := Ciphers(DefaultCiphers)
	if err != nil || len(ids) != len(suites) {
		t.Fatalf("default: %v, %v", SuiteNames(ids), err)
	}
	if !strings.Contains(SuiteNames(ids)[0], "256") {
		t.Errorf("@STRENGTH did not sort: %v", SuiteNames(ids))
	}
	_, err = Ciphers("NOPE:ALSO-NOPE")
	if err == nil || !strings.Contains(err.Error(), "NOPE, ALSO-NOPE") {
		t.Errorf("error does not name the unknown words: %v", err)
	}
}

// Every suite in the table is one Go offers as secure.
func TestSuitesAreGos(t *testing.T) {
	var secure []uint16
	for _, s := range tls.CipherSuites() {
		secure = append(secure, s.ID)
	}
	for _, s := range suites {
		if !slices.Contains(secure, s.id) {
			t.Errorf("%s is not among Go's secure suites", s.name)
		}
	}
}

func FuzzCiphers(f *testing.F) {
	for _, s := range []string{DefaultCiphers, "ECDHE+AESGCM", "!ALL:+AES:-x", "@STRENGTH", "+", "!", "a+b+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		ids, err := Ciphers(spec)
		if err == nil && len(ids) == 0 {
			t.Fatalf("Ciphers(%q): no suites and no error", spec)
		}
		seen := map[uint16]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("Ciphers(%q): %#x twice", spec, id)
			}
			seen[id] = true
		}
	})
}

func TestFingerprint(t *testing.T) {
	cert, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	fp := Fingerprint(cert.Leaf)
	if !regexp.MustCompile(`^([0-9A-F]{4} ){15}[0-9A-F]{4}$`).MatchString(fp) {
		t.Errorf("fingerprint %q is not 16 groups of 4 hex digits", fp)
	}
}

// handshake connects a client with copts to a server with sopts over
// loopback and returns the client's handshake error.
func handshake(t *testing.T, sopts, copts Options, host string) error {
	t.Helper()
	sconf, err := Server(sopts)
	if err != nil {
		t.Fatal(err)
	}
	cconf, err := Client(copts, host)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tls.Server(c, sconf).HandshakeContext(ctx)
	}()
	defer func() { <-done }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tc := tls.Client(c, cconf)
	err = tc.HandshakeContext(ctx)
	if err == nil && !cconf.InsecureSkipVerify {
		return nil
	}
	if err == nil {
		return Check(tc.ConnectionState(), cconf.RootCAs)
	}
	return Reason(err)
}

func TestVerification(t *testing.T) {
	p := testpki.New(t)
	ca := p.CAFile
	good, goodKey := p.Leaf("good", "ecdsa", time.Now().Add(time.Hour), "localhost", "127.0.0.1")
	old, oldKey := p.Leaf("old", "ecdsa", time.Now().Add(-time.Hour), "localhost")
	srv := func(c, k string) Options { return Options{CertFile: c, KeyFile: k} }
	tests := []struct {
		name   string
		server Options
		client Options
		host   string
		want   string // "" or a substring of the reason
	}{
		{"trusted", srv(good, goodKey), Options{TrustFile: ca}, "localhost", ""},
		{"trusted IP", srv(good, goodKey), Options{TrustFile: ca}, "127.0.0.1", ""},
		{"name mismatch", srv(good, goodKey), Options{TrustFile: ca, ServerName: "other.example"}, "127.0.0.1", "name mismatch"},
		{"expired", srv(old, oldKey), Options{TrustFile: ca}, "localhost", "expired"},
		{"self-signed", Options{}, Options{Verify: true}, "localhost", "self-signed"},
		{"unknown CA", srv(good, goodKey), Options{Verify: true}, "localhost", "unknown authority"},
		// Without --ssl-verify the handshake succeeds; Check says why
		// the certificate would not verify.
		{"unverified, warned", Options{}, Options{}, "localhost", "self-signed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := handshake(t, tt.server, tt.client, tt.host)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("handshake failed: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestKeyTypes(t *testing.T) {
	p := testpki.New(t)
	for _, kind := range []string{"rsa", "ecdsa", "ed25519"} {
		t.Run(kind, func(t *testing.T) {
			c, k := p.Leaf(kind, kind, time.Now().Add(time.Hour), "localhost")
			if err := handshake(t, Options{CertFile: c, KeyFile: k}, Options{TrustFile: p.CAFile}, "localhost"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClientCertificate(t *testing.T) {
	p := testpki.New(t)
	ca := p.CAFile
	sc, sk := p.Leaf("server", "ecdsa", time.Now().Add(time.Hour), "localhost")
	cc, ck := p.Leaf("client", "ecdsa", time.Now().Add(time.Hour), "client")
	server := Options{CertFile: sc, KeyFile: sk, TrustFile: ca}
	if err := handshake(t, server, Options{TrustFile: ca, CertFile: cc, KeyFile: ck}, "localhost"); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not pem"), 0o600)
	for _, tt := range []struct {
		cert, key, want string
	}{
		{"", "k", "--ssl-key needs --ssl-cert"},
		{"c", "", "--ssl-cert needs --ssl-key"},
		{filepath.Join(dir, "missing.pem"), junk, "no such file"},
		{junk, junk, "cannot load"},
	} {
		if _, err := LoadCertificate(tt.cert, tt.key); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadCertificate(%q, %q) = %v, want %q", tt.cert, tt.key, err, tt.want)
		}
	}
	if _, err := Client(Options{TrustFile: junk}, "h"); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("junk trust file: %v", err)
	}
}
