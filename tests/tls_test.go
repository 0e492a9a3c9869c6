//go:build linux

package tests

// TLS (--ssl and the --ssl-* options) against real peers: ncat --ssl,
// socat's OPENSSL addresses and openssl s_server, with certificates from a
// test CA made in the test.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/internal/testpki"
)

// tlsServers are the half-close matrix's TCP servers over TLS.
func tlsServers(t *testing.T) []hcServer {
	var out []hcServer
	for _, s := range hcServers(t) {
		if s.unix {
			continue
		}
		s.name = "ssl-" + s.name
		s.args = append([]string{"--ssl"}, s.args...)
		out = append(out, s)
	}
	return out
}

// tlsClients send their input over TLS, pass its EOF on (close_notify, then
// a FIN) and read the reply to its end. openssl s_client cannot: on its
// input's EOF it either ends the whole connection or sends nothing.
var tlsClients = []hcClient{
	{name: "gcat", argv: func(ep hcEndpoint) []string {
		return []string{gcatBin, "--ssl", ep.host, ep.port}
	}},
	{name: "ncat", need: []string{"ncat"}, argv: func(ep hcEndpoint) []string {
		return []string{"ncat", "--ssl", ep.host, ep.port}
	}},
	{name: "socat", need: []string{"socat"}, argv: func(ep hcEndpoint) []string {
		return []string{"socat", "-t", "60", "-", "OPENSSL:" + ep.host + ":" + ep.port + ",verify=0"}
	}},
}

// TestTLSHalfCloseMatrix is the half-close matrix over TLS: every byte
// arrives both ways and everyone exits by themselves.
func TestTLSHalfCloseMatrix(t *testing.T) {
	data := t.TempDir()
	payloads := []hcMatrixPayload{
		{"empty", hcFixedPayload(t, data, "empty.req", nil), hcFixedPayload(t, data, "empty.reply", nil)},
		{"1byte", hcFixedPayload(t, data, "1byte.req", []byte("x")), hcFixedPayload(t, data, "1byte.reply", []byte("y"))},
		{"1MiB-text", hcShared(t, hcText, 1<<20, 1), hcShared(t, hcText, 1<<20, 2)},
		{"16MiB-random", hcShared(t, hcRandom, 16<<20, 1), hcShared(t, hcRandom, 16<<20, 2)},
	}
	for _, srv := range tlsServers(t) {
		t.Run("server="+srv.name, func(t *testing.T) {
			t.Parallel()
			for _, cli := range tlsClients {
				t.Run("client="+cli.name, func(t *testing.T) {
					need(t, cli.need...)
					for _, pl := range payloads {
						t.Run("payload="+pl.name, func(t *testing.T) {
							hcMatrixCase(t, srv, cli, pl)
						})
					}
				})
			}
		})
	}
}

var (
	socatListening = regexp.MustCompile(`listening on AF=\d+ (\S+)`)
	sServerAccept  = regexp.MustCompile(`^ACCEPT (\S+)`)
)

// TestTLSClientHalfCloseAgainstPeers: gcat --ssl as the client of ncat and
// socat TLS servers that send a reply of their own: the request arrives
// whole, the client's EOF reaches the server, and the whole reply comes back
// after it.
func TestTLSClientHalfCloseAgainstPeers(t *testing.T) {
	ca := testpki.New(t)
	cert, key := ca.Leaf("server", "ecdsa", time.Now().Add(time.Hour), "localhost", "127.0.0.1")
	peers := []struct {
		name string
		need string
		args func(out string) []string
		addr *regexp.Regexp
		// cutsReply: ncat 7.93's TLS server answers the client's
		// close_notify with its own and closes, dropping what it has not
		// yet read of its input (seen with strace: it stops reading
		// stdin at the alert). Only a prefix of the reply can arrive.
		cutsReply bool
	}{
		{"ncat", "ncat", func(string) []string {
			return []string{"ncat", "-lv", "--ssl", "--ssl-cert", cert, "--ssl-key", key, "127.0.0.1", freeTCPPort(t, "tcp4", "127.0.0.1")}
		}, listeningRE, true},
		{"socat", "socat", func(string) []string {
			return []string{"socat", "-d", "-d", "-t", "60", "OPENSSL-LISTEN:0,bind=127.0.0.1,cert=" + cert + ",key=" + key + ",verify=0", "-"}
		}, socatListening, false},
	}
	for _, peer := range peers {
		t.Run(peer.name, func(t *testing.T) {
			need(t, peer.need)
			dir := t.TempDir()
			req, reply := hcShared(t, hcText, 1<<20, 3), hcShared(t, hcText, 1<<20, 4)
			srvOut := filepath.Join(dir, "server.out")
			argv := peer.args(srvOut)
			srv := hcStart(t, hcOpenIn(t, reply.path), hcCreateOut(t, srvOut), argv[0], argv[1:]...)
			host, port := hostPort(t, srv.waitStderr(peer.addr))
			cliOut := filepath.Join(dir, "client.out")
			cli := hcGcat(t, hcOpenIn(t, req.path), hcCreateOut(t, cliOut), "--ssl-trustfile", ca.CAFile, host, port)
			cli.mustSucceed()
			srv.mustSucceed()
			hcCheckFile(t, "server's stdout (the request)", srvOut, req.plain)
			if !peer.cutsReply {
				hcCheckFile(t, "client's stdout (the reply)", cliOut, reply.plain)
				return
			}
			got, err1 := os.ReadFile(cliOut)
			want, err2 := os.ReadFile(reply.path)
			if err1 != nil || err2 != nil || !bytes.HasPrefix(want, got) {
				t.Errorf("client's stdout (%d bytes) is not a prefix of the reply (%v, %v)", len(got), err1, err2)
			}
		})
	}
}

// TestTLSVerification: without --ssl-verify an unverifiable certificate is
// accepted with a warning; with it, or with --ssl-trustfile, it is refused
// with the reason and exit status 1.
func TestTLSVerification(t *testing.T) {
	ca := testpki.New(t)
	good, goodKey := ca.Leaf("good", "ecdsa", time.Now().Add(time.Hour), "localhost", "127.0.0.1")
	old, oldKey := ca.Leaf("old", "ecdsa", time.Now().Add(-time.Hour), "localhost", "127.0.0.1")
	tests := []struct {
		name   string
		server []string
		client []string
		status int
		stderr string // a line the client prints ("" none expected)
	}{
		{"trusted", []string{"--ssl-cert", good, "--ssl-key", goodKey}, []string{"--ssl-trustfile", ca.CAFile}, 0, ""},
		{"self-signed, default", []string{"--ssl"}, []string{"--ssl"}, 0,
			"gcat: warning: the certificate of 127.0.0.1:PORT is not verified: self-signed certificate (unknown authority); --ssl-verify would refuse it"},
		{"self-signed, --ssl-verify", []string{"--ssl"}, []string{"--ssl-verify"}, 1,
			"gcat: tls handshake with 127.0.0.1:PORT: certificate verify failed: self-signed certificate (unknown authority)"},
		{"unknown authority", []string{"--ssl-cert", good, "--ssl-key", goodKey}, []string{"--ssl-verify"}, 1,
			"gcat: tls handshake with 127.0.0.1:PORT: certificate verify failed: unknown authority"},
		{"expired", []string{"--ssl-cert", old, "--ssl-key", oldKey}, []string{"--ssl-trustfile", ca.CAFile}, 1,
			"gcat: tls handshake with 127.0.0.1:PORT: certificate verify failed: certificate has expired or is not yet valid"},
		{"name mismatch", []string{"--ssl-cert", good, "--ssl-key", goodKey}, []string{"--ssl-trustfile", ca.CAFile, "--ssl-servername", "other.example"}, 1,
			"gcat: tls handshake with 127.0.0.1:PORT: certificate verify failed: name mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := gcat(t, strings.NewReader("reply\n"), append(append([]string{"-lv"}, tt.server...), "127.0.0.1", "0")...)
			host, port := hostPort(t, srv.listenAddr())
			cli := gcat(t, strings.NewReader("request\n"), append(tt.client, host, port)...)
			if got := cli.wait(); got != tt.status {
				t.Fatalf("exit status %d, want %d\nstderr: %s", got, tt.status, cli.stderr.String())
			}
			want := strings.ReplaceAll(tt.stderr, "PORT", port)
			stderr := cli.stderr.String()
			switch {
			case want == "" && stderr != "":
				t.Errorf("unexpected stderr: %q", stderr)
			case want != "" && !strings.HasPrefix(stderr, want):
				t.Errorf("stderr %q\nwant it to start %q", stderr, want)
			case tt.status == 0 && strings.Count(stderr, "\n") > 1:
				t.Errorf("more than one line: %q", stderr)
			case tt.status != 0 && !strings.HasSuffix(stderr, "\ngcat: hint: give the certificate of the CA that signed it with --ssl-trustfile, or leave out --ssl-verify to connect anyway (the certificate is then only reported)\n"):
				t.Errorf("not the error and its hint: %q", stderr)
			}
			if tt.status == 0 && cli.stdout.String() != "reply\n" {
				t.Errorf("client got %q", cli.stdout.String())
			}
		})
	}
}

// TestTLSFingerprint: -v on both sides prints the temporary certificate's
// SHA-256 fingerprint, the same one.
func TestTLSFingerprint(t *testing.T) {
	srv := gcat(t, nil, "-lv", "--ssl", "127.0.0.1", "0")
	fpRE := regexp.MustCompile(`SHA-256 fingerprint: ((?:[0-9A-F]{4} ){15}[0-9A-F]{4})$`)
	fp := srv.waitStderr(fpRE)
	host, port := hostPort(t, srv.listenAddr())
	cli := gcat(t, nil, "-v", "--ssl", host, port)
	cli.mustSucceed()
	if got := fpRE.FindStringSubmatch(cli.stderr.String()); !strings.Contains(cli.stderr.String(), "SHA-256 fingerprint: "+fp) {
		t.Errorf("client printed %q, server %q\nclient stderr: %s", got, fp, cli.stderr.String())
	}
}

// TestTLSKeyTypes: servers with RSA, ECDSA and Ed25519 keys from PEM files,
// verified by ncat (OpenSSL) and by gcat.
func TestTLSKeyTypes(t *testing.T) {
	ca := testpki.New(t)
	for _, kind := range []string{"rsa", "ecdsa", "ed25519"} {
		t.Run(kind, func(t *testing.T) {
			cert, key := ca.Leaf(kind, kind, time.Now().Add(time.Hour), "localhost", "127.0.0.1")
			clients := [][]string{{gcatBin, "--ssl-trustfile", ca.CAFile}}
			if _, err := exec.LookPath("ncat"); err == nil {
				clients = append(clients, []string{"ncat", "--ssl-verify", "--ssl-trustfile", ca.CAFile})
			}
			for _, c := range clients {
				srv := gcat(t, strings.NewReader("hi from "+kind+"\n"), "-lv", "--ssl-cert", cert, "--ssl-key", key, "127.0.0.1", "0")
				_, port := hostPort(t, srv.listenAddr())
				// ncat 7.93 checks names, not IP addresses.
				cli := start(t, nil, c[0], append(c[1:], "localhost", port)...)
				cli.mustSucceed()
				srv.mustSucceed()
				if got := cli.stdout.String(); got != "hi from "+kind+"\n" {
					t.Errorf("%s got %q", filepath.Base(c[0]), got)
				}
			}
		})
	}
}

// TestTLSClientCertificate: a server with --ssl-verify and a trust file
// requires a client certificate from that CA.
func TestTLSClientCertificate(t *testing.T) {
	ca := testpki.New(t)
	sc, sk := ca.Leaf("server", "ecdsa", time.Now().Add(time.Hour), "127.0.0.1")
	cc, ck := ca.Leaf("client", "ecdsa", time.Now().Add(time.Hour), "client.example")
	srv := gcat(t, nil, "-lkv", "--ssl-cert", sc, "--ssl-key", sk, "--ssl-verify", "--ssl-trustfile", ca.CAFile, "127.0.0.1", "0")
	host, port := hostPort(t, srv.listenAddr())

	anon := gcat(t, strings.NewReader("no cert\n"), "--ssl-trustfile", ca.CAFile, host, port)
	if code := anon.wait(); code != 1 {
		t.Errorf("client without a certificate: exit %d, want 1\nstderr: %s", code, anon.stderr.String())
	}
	withCert := gcat(t, strings.NewReader("with cert\n"), "--ssl-trustfile", ca.CAFile, "--ssl-cert", cc, "--ssl-key", ck, host, port)
	withCert.mustSucceed()
	srv.waitStderr(regexp.MustCompile(`(Client certificate: CN=client\.example)`))
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for !strings.Contains(srv.stdout.String(), "with cert\n") {
		select {
		case <-srv.stderr.lines:
		case <-timer.C:
			t.Fatalf("server stdout %q", srv.stdout.String())
		}
	}
	if strings.Contains(srv.stdout.String(), "no cert") {
		t.Errorf("the client without a certificate got through: %q", srv.stdout.String())
	}
}

// TestTLSAgainstOpenSSL: openssl s_server with a TLS 1.2-only cipher and an
// ALPN protocol; gcat's --ssl-ciphers and --ssl-alpn choose them, and a
// cipher string the server does not share fails the handshake.
func TestTLSAgainstOpenSSL(t *testing.T) {
	need(t, "openssl")
	ca := testpki.New(t)
	cert, key := ca.Leaf("server", "ecdsa", time.Now().Add(time.Hour), "localhost", "127.0.0.1")
	serve := func() (string, string) {
		// s_server ends at its input's EOF: give it one that stays open.
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		srv := start(t, r, "openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-cert", cert, "-key", key,
			"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384", "-alpn", "h2")
		return hostPort(t, srv.waitStdout(sServerAccept))
	}
	host, port := serve()
	cli := gcat(t, nil, "-v", "--ssl-trustfile", ca.CAFile, "--ssl-ciphers", "ECDHE+AESGCM", "--ssl-alpn", "http/1.1,h2", host, port)
	cli.mustSucceed()
	for _, want := range []string{"ALPN: h2", "(TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384)", "Certificate verified."} {
		if !strings.Contains(cli.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, cli.stderr.String())
		}
	}

	host, port = serve()
	cli = gcat(t, nil, "--ssl-ciphers", "ECDHE+CHACHA20", host, port)
	if code := cli.wait(); code != 1 || !strings.HasPrefix(cli.stderr.String(), "gcat: tls handshake with "+host+":"+port+": ") {
		t.Errorf("no shared cipher: exit %d, stderr %q", code, cli.stderr.String())
	}
}

// TestTLSHandshakeFailures: a TLS client of a plain server fails with one
// line; a plain client of a -l TLS server (without -k) ends it, as with
// ncat: the one connection it was for failed. With -k the server goes on to
// serve the next, TLS, client.
func TestTLSHandshakeFailures(t *testing.T) {
	plain := gcat(t, strings.NewReader("HTTP/1.0 200 OK\r\n\r\nplain text, not TLS\n"), "-lv", "127.0.0.1", "0")
	host, port := hostPort(t, plain.listenAddr())
	cli := gcat(t, nil, "--ssl", host, port)
	if code := cli.wait(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if got := cli.stderr.String(); !regexp.MustCompile(`^gcat: tls handshake with 127\.0\.0\.1:\d+: [^\n]+\n$`).MatchString(got) {
		t.Errorf("stderr %q", got)
	}

	srv := gcat(t, strings.NewReader("secret\n"), "-lv", "--ssl", "127.0.0.1", "0")
	host, port = hostPort(t, srv.listenAddr())
	bad := gcat(t, strings.NewReader("GET / HTTP/1.0\r\n\r\n"), host, port)
	bad.wait()
	if code := srv.wait(); code != 1 || !regexp.MustCompile(`\ngcat: failed SSL connection from 127\.0\.0\.1:\d+: the peer does not speak TLS\n$`).MatchString(srv.stderr.String()) {
		t.Errorf("-l --ssl after a plain client: exit %d, stderr %q", code, srv.stderr.String())
	}
	if strings.Contains(bad.stdout.String(), "secret") {
		t.Errorf("the plain client got %q", bad.stdout.String())
	}

	srv = gcat(t, strings.NewReader("secret\n"), "-lkv", "--ssl", "127.0.0.1", "0")
	host, port = hostPort(t, srv.listenAddr())
	bad = gcat(t, strings.NewReader("GET / HTTP/1.0\r\n\r\n"), host, port)
	bad.wait()
	srv.waitStderr(regexp.MustCompile(`(Failed SSL connection from 127\.0\.0\.1:\d+: the peer does not speak TLS)`))
	good := gcat(t, nil, "--ssl", host, port)
	good.mustSucceed()
	if good.stdout.String() != "secret\n" {
		t.Errorf("TLS client got %q", good.stdout.String())
	}
}

// TestTLSKeepOpen: -lk --ssl serves many TLS clients, through a child each
// (-e) and in the hub (no -e), with ncat, socat and gcat as clients.
func TestTLSKeepOpen(t *testing.T) {
	clients := func(host, port string) [][]string {
		out := [][]string{{gcatBin, "--ssl", host, port}}
		if _, err := exec.LookPath("ncat"); err == nil {
			out = append(out, []string{"ncat", "--ssl", host, port})
		}
		if _, err := exec.LookPath("socat"); err == nil {
			out = append(out, []string{"socat", "-t", "60", "-", "OPENSSL:" + host + ":" + port + ",verify=0"})
		}
		return out
	}
	t.Run("exec", func(t *testing.T) {
		srv := gcat(t, nil, "-lkv", "--ssl", "-c", "tr a-z A-Z", "127.0.0.1", "0")
		host, port := hostPort(t, srv.listenAddr())
		for _, c := range clients(host, port) {
			cli := start(t, strings.NewReader("hello from "+filepath.Base(c[0])+"\n"), c[0], c[1:]...)
			cli.mustSucceed()
			if want := strings.ToUpper("hello from " + filepath.Base(c[0]) + "\n"); cli.stdout.String() != want {
				t.Errorf("%s got %q, want %q", filepath.Base(c[0]), cli.stdout.String(), want)
			}
		}
	})
	t.Run("hub", func(t *testing.T) {
		r, w, err := os.Pipe() // the hub's stdin stays open
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		srv := gcat(t, r, "-lkv", "--ssl", "127.0.0.1", "0")
		host, port := hostPort(t, srv.listenAddr())
		for _, c := range clients(host, port) {
			// The hub writes what a client sent to its stdout before it
			// closes that client, so once the client has exited the line
			// is there.
			msg := "line from " + filepath.Base(c[0]) + "\n"
			start(t, strings.NewReader(msg), c[0], c[1:]...).mustSucceed()
			if !strings.Contains(srv.stdout.String(), msg) {
				t.Errorf("hub's stdout %q lacks %q", srv.stdout.String(), msg)
			}
		}
	})
}

// TestDTLS: --ssl with -u, gcat to gcat (a child per peer with -k) and
// against openssl s_server and s_client. At stdin's EOF a client sends
// close_notify and exits, as ncat's does ('echo x | ncat --ssl -u' gets no
// reply: DTLS 1.2 has no half-close), so the clients here read their reply
// before their input ends.
func TestDTLS(t *testing.T) {
	loop := `while read l; do echo "$NCAT_PROTO $l" | tr a-z A-Z; done`
	srv := gcat(t, nil, "-ulkv", "--ssl", "127.0.0.1", "0", "-c", loop)
	host, port := hostPort(t, srv.listenAddr())
	for i := range 2 {
		in, w := hcPipe(t)
		cli := gcat(t, in, "-u", "--ssl", host, port)
		fmt.Fprintf(w, "peer %d\n", i)
		if line, want := cli.nextStdoutLine(), fmt.Sprintf("UDP PEER %d", i); line != want {
			t.Errorf("client %d got %q, want %q", i, line, want)
		}
		w.Close()
		cli.mustSucceed()
	}
	need(t, "openssl")
	ca := testpki.New(t)
	cert, key := ca.Leaf("server", "ecdsa", time.Now().Add(time.Hour), "localhost", "127.0.0.1")
	in, w := hcPipe(t)
	ss := start(t, in, "openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:0", "-naccept", "1", "-cert", cert, "-key", key)
	host, port = hostPort(t, ss.waitStdout(sServerAccept))
	cliIn, cliW := hcPipe(t)
	cli := gcat(t, cliIn, "-u", "--ssl-trustfile", ca.CAFile, host, port)
	cliW.WriteString("to s_server\n")
	ss.waitStdout(regexp.MustCompile(`^(to s_server)$`))
	w.WriteString("from s_server\n")
	if line := cli.nextStdoutLine(); line != "from s_server" {
		t.Fatalf("gcat got %q", line)
	}
	cliW.Close()
	cli.mustSucceed()
	ss.waitStdoutContains("\nDONE\n") // s_server got our close_notify

	srv2 := gcat(t, nil, "-ulv", "--ssl-cert", cert, "--ssl-key", key, "127.0.0.1", "0", "-c", loop)
	host, port = hostPort(t, srv2.listenAddr())
	scIn, scW := hcPipe(t)
	sc := start(t, scIn, "openssl", "s_client", "-dtls1_2", "-quiet", "-no_ign_eof", "-CAfile", ca.CAFile, "-connect", host+":"+port)
	scW.WriteString("from s_client\n")
	if line := sc.nextStdoutLine(); line != "UDP FROM S_CLIENT" {
		t.Fatalf("s_client got %q", line)
	}
	// s_client's close_notify at its stdin's EOF ends the server's only
	// session: its child's input ends, and the server exits.
	scW.Close()
	srv2.mustSucceed()
}
