package tlsconf

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testpki"
)

// wait bounds every wait of these tests.
const wait = 20 * time.Second

// startSServer runs openssl s_server -www with cert and key on a loopback
// port until the test ends, and returns its address.
func startSServer(t *testing.T, cert, key string) string {
	t.Helper()
	cmd := exec.Command("openssl", "s_server", "-www", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key)
	stdin, err := cmd.StdinPipe() // s_server ends at its input's EOF: keep it open
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		stdin.Close()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ACCEPT "); ok {
				addr <- a
				break
			}
		}
		close(addr)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("s_server ended before accepting")
		}
		return a
	case <-time.After(wait):
		t.Fatal("s_server did not start")
	}
	return ""
}

// connect runs a client handshake with the server at addr, verifying its
// certificate against trust for name; it returns the handshake's reason
// and the connection's state.
func connect(t *testing.T, addr, trust, name string) (tls.ConnectionState, error) {
	t.Helper()
	conf, err := Client(Options{TrustFile: trust, ServerName: name}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	tc := tls.Client(c, conf)
	err = tc.HandshakeContext(ctx)
	return tc.ConnectionState(), Reason(err)
}

// cnTests are certificates made by openssl req -x509, with the names a
// client may verify them for. ncatRefuses marks where ncat 7.93 differs
// (measured in TestCommonNameLikeNcat).
var cnTests = []struct {
	name, subj  string
	addext      []string
	verify      string // --ssl-servername; "" verifies the target, 127.0.0.1
	ok, legacy  bool
	ncatRefuses bool
}{
	{"CN only", "/CN=localhost", nil, "localhost", true, true, false},
	{"CN only, other case", "/CN=localhost", nil, "LocalHost", true, true, true},
	{"CN only, other name", "/CN=localhost", nil, "other.example", false, false, false},
	{"CN only, IP target", "/CN=localhost", nil, "", false, false, false},
	{"CN is the IP", "/CN=127.0.0.1", nil, "", true, true, false},
	{"CN wildcard", "/CN=*.example.test", nil, "a.example.test", true, true, false},
	{"CN wildcard, two labels", "/CN=*.example.test", nil, "a.b.example.test", false, false, false},
	{"SAN wins over CN", "/CN=localhost", []string{"subjectAltName=DNS:other.example"}, "localhost", false, false, false},
	{"SAN", "/CN=localhost", []string{"subjectAltName=DNS:other.example"}, "other.example", true, false, false},
	{"IP SAN, CN for names", "/CN=localhost", []string{"subjectAltName=IP:127.0.0.1"}, "localhost", true, true, false},
}

// TestCommonName verifies openssl-made certificates served by openssl
// s_server: one with only a Common Name is accepted for it, as ncat and
// OpenSSL accept it, and LegacyCommonName says so.
func TestCommonName(t *testing.T) {
	for _, tt := range cnTests {
		t.Run(tt.name, func(t *testing.T) {
			cert, key := testpki.OpenSSLSelfSigned(t, tt.subj, tt.addext...)
			addr := startSServer(t, cert, key)
			st, err := connect(t, addr, cert, tt.verify)
			name := tt.verify
			if name == "" {
				name = "127.0.0.1"
			}
			switch {
			case tt.ok && err != nil:
				t.Fatalf("handshake: %v", err)
			case !tt.ok && (err == nil || !strings.Contains(err.Error(), "name mismatch")):
				t.Fatalf("handshake: %v, want a name mismatch", err)
			case tt.ok && LegacyCommonName(st, name) != tt.legacy:
				t.Errorf("LegacyCommonName = %v, want %v", !tt.legacy, tt.legacy)
			}
		})
	}
}

// TestCheckCommonName: without --ssl-verify, the warning's check accepts
// the same certificates, and checks an IP address when given one.
func TestCheckCommonName(t *testing.T) {
	cert, key := testpki.OpenSSLSelfSigned(t, "/CN=localhost")
	addr := startSServer(t, cert, key)
	conf, err := Client(Options{ServerName: "localhost"}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.Dial("tcp", addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	st := c.ConnectionState()
	if err := Check(st, roots); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := CheckName(st, roots, "127.0.0.1"); err == nil || !strings.Contains(err.Error(), "its Common Name") {
		t.Errorf("CheckName for 127.0.0.1: %v", err)
	}
	if err := Check(st, nil); err == nil || !strings.Contains(err.Error(), "self-signed") {
		t.Errorf("Check against the system roots: %v", err)
	}
}

// TestCommonNameLikeNcat runs ncat --ssl-verify against the same servers
// and checks that it decides as gcat does, except where cnTests says ncat
// 7.93 differs.
func TestCommonNameLikeNcat(t *testing.T) {
	ncat, err := exec.LookPath("ncat")
	if err != nil {
		t.Skip("ncat is not installed: no comparison")
	}
	for _, tt := range cnTests {
		t.Run(tt.name, func(t *testing.T) {
			cert, key := testpki.OpenSSLSelfSigned(t, tt.subj, tt.addext...)
			host, port, _ := net.SplitHostPort(startSServer(t, cert, key))
			args := []string{"--ssl-verify", "--ssl-trustfile", cert}
			if tt.verify != "" {
				args = append(args, "--ssl-servername", tt.verify)
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			cmd := exec.CommandContext(ctx, ncat, append(args, host, port)...)
			cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
			out, err := cmd.CombinedOutput()
			accepted := err == nil && strings.Contains(string(out), "HTTP/1.0 200")
			var exit *exec.ExitError
			if !accepted && (!errors.As(err, &exit) || !strings.Contains(string(out), "Certificate verification error")) {
				t.Fatalf("ncat: %v\n%s", err, out)
			}
			if want := tt.ok != tt.ncatRefuses; accepted != want {
				t.Errorf("ncat accepted: %v, want %v", accepted, want)
			}
		})
	}
}
