package dtls_test

import (
	"bufio"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testpki"
	"github.com/gcat-dev/gcat/pkg/dtls"
	"github.com/gcat-dev/gcat/pkg/tlsconf"
)

// opensslCmd is a running openssl command with its stdout read line by
// line.
type opensslCmd struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // closed at stdout's EOF
	out   strings.Builder
}

// startOpenSSL runs openssl with args until the test ends, skipping the test
// if there is no openssl.
func startOpenSSL(t *testing.T, args ...string) *opensslCmd {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: the interoperability tests need its s_server and s_client")
	}
	o := &opensslCmd{cmd: exec.Command(path, args...), lines: make(chan string, 1024)}
	// stdin stays open: s_server and s_client quit at its EOF.
	if o.stdin, err = o.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := o.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	o.cmd.Stderr = &o.out
	if err := o.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			o.lines <- sc.Text()
		}
		close(o.lines)
	}()
	t.Cleanup(func() {
		o.cmd.Process.Kill()
		o.cmd.Wait()
		if t.Failed() {
			t.Logf("openssl %s stderr:\n%s", strings.Join(args, " "), o.out.String())
		}
	})
	return o
}

// waitLine returns the first line of stdout for which match is true.
func (o *opensslCmd) waitLine(t *testing.T, match func(string) bool) string {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case l, ok := <-o.lines:
			if !ok {
				t.Fatal("openssl's stdout ended")
			}
			if match(l) {
				return l
			}
		case <-timeout:
			t.Fatal("openssl did not print what was expected")
		}
	}
}

func (o *opensslCmd) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(o.stdin, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

func equal(s string) func(string) bool { return func(l string) bool { return l == s } }

// TestOpenSSLServer runs our client against openssl s_server, verifying
// its certificate. Not with an Ed25519 key: OpenSSL 3.0 offers Ed25519 to
// no DTLS peer, its own s_client included ("no shared cipher").
func TestOpenSSLServer(t *testing.T) {
	pki := newPKI(t)
	for _, kind := range []string{"ecdsa", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			cert, key := pki.ca.Leaf("server-"+kind, kind, time.Now().Add(time.Hour), "localhost")
			o := startOpenSSL(t, "s_server", "-dtls1_2", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key)
			accept := o.waitLine(t, func(l string) bool { return strings.HasPrefix(l, "ACCEPT ") })
			addr, err := net.ResolveUDPAddr("udp", strings.TrimPrefix(accept, "ACCEPT "))
			if err != nil {
				t.Fatal(err)
			}
			c := mustDial(t, addr, clientConf(t, tlsconf.Options{TrustFile: pki.ca.CAFile}, "localhost"))
			write(t, c, "hello from gcat\n")
			o.waitLine(t, equal("hello from gcat"))
			o.send(t, "hello from openssl")
			if got := readMsg(t, c); got != "hello from openssl\n" {
				t.Fatalf("read %q", got)
			}
			// A write longer than a record reaches it whole.
			long := strings.Repeat("x", 3*dtls.MaxRecord)
			write(t, c, long+"\n")
			o.waitLine(t, equal(long))
			// s_server reports our close_notify (and flushes the rest of
			// what it says only later).
			c.Close()
			o.waitLine(t, equal("DONE"))
		})
	}
}

// TestOpenSSLClient runs openssl s_client against our listener, each side
// verifying the other's certificate.
func TestOpenSSLClient(t *testing.T) {
	pki := newPKI(t)
	s := listen(t, serverConf(t, tlsconf.Options{CertFile: pki.serverCert, KeyFile: pki.serverKey, TrustFile: pki.ca.CAFile}), 0)
	o := startOpenSSL(t, "s_client", "-dtls1_2", "-connect", s.addr.String(),
		"-CAfile", pki.ca.CAFile, "-verify_return_error", "-verify_hostname", "localhost",
		"-cert", pki.clientCert, "-key", pki.clientKey)
	srv := s.accept(t)
	if st := srv.(*dtls.Conn).ConnectionState(); len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "gcat client" {
		t.Fatalf("client certificates %v", st.PeerCertificates)
	}
	o.send(t, "hello from openssl")
	if got := readMsg(t, srv); got != "hello from openssl\n" {
		t.Fatalf("read %q", got)
	}
	write(t, srv, "hello from gcat\n")
	o.waitLine(t, equal("hello from gcat"))
	// At stdin's EOF s_client sends close_notify.
	o.stdin.Close()
	srv.SetReadDeadline(time.Now().Add(wait))
	if n, err := srv.Read(make([]byte, 100)); err != io.EOF {
		t.Fatalf("read after s_client's close_notify: %d, %v; want EOF", n, err)
	}
}

// TestOpenSSLCloseWrite: at stdin's EOF gcat's relay calls CloseWrite.
// openssl s_server must see our close_notify, and s_client, on getting
// ours, must end; their close_notify ends our Reads (TestOpenSSLClient).
func TestOpenSSLCloseWrite(t *testing.T) {
	pki := newPKI(t)
	t.Run("client to s_server", func(t *testing.T) {
		o := startOpenSSL(t, "s_server", "-dtls1_2", "-accept", "127.0.0.1:0", "-cert", pki.serverCert, "-key", pki.serverKey)
		accept := o.waitLine(t, func(l string) bool { return strings.HasPrefix(l, "ACCEPT ") })
		addr, err := net.ResolveUDPAddr("udp", strings.TrimPrefix(accept, "ACCEPT "))
		if err != nil {
			t.Fatal(err)
		}
		c := mustDial(t, addr, clientConf(t, tlsconf.Options{TrustFile: pki.ca.CAFile}, "localhost"))
		write(t, c, "last line\n")
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		o.waitLine(t, equal("last line"))
		o.waitLine(t, equal("DONE"))
		c.SetReadDeadline(time.Now().Add(wait))
		if n, err := c.Read(make([]byte, 100)); err != io.EOF {
			t.Fatalf("read after CloseWrite: %d, %v; want EOF", n, err)
		}
	})
	t.Run("s_client to server", func(t *testing.T) {
		s := listen(t, serverConf(t, tlsconf.Options{CertFile: pki.serverCert, KeyFile: pki.serverKey}), 0)
		o := startOpenSSL(t, "s_client", "-dtls1_2", "-connect", s.addr.String(), "-quiet")
		srv := s.accept(t)
		write(t, srv, "last line\n")
		if err := srv.(*dtls.Conn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		o.waitLine(t, equal("last line"))
		// s_client ends at our close_notify, though its stdin is open:
		// its stdout ends.
		timeout := time.After(wait)
		for {
			select {
			case _, ok := <-o.lines:
				if !ok {
					return
				}
			case <-timeout:
				t.Fatal("s_client still runs after our close_notify")
			}
		}
	})
}

// TestOpenSSLCommonNameOnly verifies, over DTLS, a certificate made by
// "openssl req -x509 -subj /CN=localhost": no subjectAltName, only the
// Common Name, which ncat and OpenSSL accept and gcat must too.
func TestOpenSSLCommonNameOnly(t *testing.T) {
	cert, key := testpki.OpenSSLSelfSigned(t, "/CN=localhost")
	o := startOpenSSL(t, "s_server", "-dtls1_2", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key)
	accept := o.waitLine(t, func(l string) bool { return strings.HasPrefix(l, "ACCEPT ") })
	addr, err := net.ResolveUDPAddr("udp", strings.TrimPrefix(accept, "ACCEPT "))
	if err != nil {
		t.Fatal(err)
	}
	c := mustDial(t, addr, clientConf(t, tlsconf.Options{TrustFile: cert}, "localhost"))
	if !tlsconf.LegacyCommonName(c.ConnectionState(), "localhost") {
		t.Error("LegacyCommonName is false for a certificate with only a Common Name")
	}
	write(t, c, "verified by CN\n")
	o.waitLine(t, equal("verified by CN"))
	c.Close()
	o.waitLine(t, equal("DONE"))

	_, err = dial(addr, clientConf(t, tlsconf.Options{TrustFile: cert}, "127.0.0.1"))
	wantErr(t, err, "name mismatch")
}
