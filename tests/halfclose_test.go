//go:build linux

package tests

// The half-close matrix: real clients against gcat servers, payloads from
// nothing to 64 MiB, every byte checked in both directions and every process
// required to exit by itself.

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// hcEndpoint is where a matrix server listens: a Unix socket path, or a TCP
// host and port.
type hcEndpoint struct {
	unix, host, port string
}

// hcClient is a client of the matrix. Its stdin is the request payload (a
// file) and its stdout a file; it must send the payload, pass its EOF on
// with shutdown(SHUT_WR), read the reply to EOF and exit by itself.
type hcClient struct {
	name string
	need []string
	argv func(ep hcEndpoint) []string
}

var hcClients = []hcClient{
	{name: "gcat", argv: func(ep hcEndpoint) []string {
		if ep.unix != "" {
			return []string{gcatBin, "-U", ep.unix}
		}
		return []string{gcatBin, ep.host, ep.port}
	}},
	{name: "ncat", need: []string{"ncat"}, argv: func(ep hcEndpoint) []string {
		if ep.unix != "" {
			return []string{"ncat", "-U", ep.unix}
		}
		return []string{"ncat", ep.host, ep.port}
	}},
	// socat's -t (0.5 s by default) would cut the reply short once its
	// stdin has ended: a known socat limit, not what is tested here.
	{name: "socat", need: []string{"socat"}, argv: func(ep hcEndpoint) []string {
		if ep.unix != "" {
			return []string{"socat", "-t", "60", "-", "UNIX-CONNECT:" + ep.unix}
		}
		return []string{"socat", "-t", "60", "-", "TCP:" + ep.host + ":" + ep.port}
	}},
	// OpenBSD nc shuts its write side down on stdin's EOF only with -N.
	{name: "nc", need: []string{"nc"}, argv: func(ep hcEndpoint) []string {
		if ep.unix != "" {
			return []string{"nc", "-N", "-U", ep.unix}
		}
		return []string{"nc", "-N", ep.host, ep.port}
	}},
	{name: "python", need: []string{"python3"}, argv: func(ep hcEndpoint) []string {
		if ep.unix != "" {
			return []string{"python3", "-c", hcPyClient, "unix", ep.unix}
		}
		return []string{"python3", "-c", hcPyClient, "tcp", ep.host + ":" + ep.port}
	}},
}

// hcServer is a gcat server of the matrix. A plain relay (reply) writes the
// client's data to its stdout and sends its stdin, the reply, back; an exec
// server sends back what its child makes of the request (out).
type hcServer struct {
	name  string
	args  []string // between -lv and the address
	unix  bool
	reply bool
	out   func(req hcPayload) hcDigest
}

func hcServers(t *testing.T) []hcServer {
	tr, err := exec.LookPath("tr")
	if err != nil {
		t.Skip("tr is not installed")
	}
	return []hcServer{
		{name: "listen", reply: true},
		{name: "exec-tr", args: []string{"-e", tr + " a-z A-Z"}, out: func(p hcPayload) hcDigest { return p.upper }},
		{name: "sh-exec-pipeline", args: []string{"-c", hcPipeline}, out: func(p hcPayload) hcDigest { return p.pipe }},
		{name: "unix", unix: true, reply: true},
	}
}

// hcMatrixPayloads are the request payloads and, for the plain relays, the
// replies of the same size.
type hcMatrixPayload struct {
	name       string
	req, reply hcPayload
}

func hcMatrixPayloads(t *testing.T, dir string) []hcMatrixPayload {
	return []hcMatrixPayload{
		{"empty", hcFixedPayload(t, dir, "empty.req", nil), hcFixedPayload(t, dir, "empty.reply", nil)},
		{"1byte", hcFixedPayload(t, dir, "1byte.req", []byte("x")), hcFixedPayload(t, dir, "1byte.reply", []byte("y"))},
		{"1MiB-text", hcShared(t, hcText, 1<<20, 1), hcShared(t, hcText, 1<<20, 2)},
		{"64MiB-random", hcShared(t, hcRandom, 64<<20, 1), hcShared(t, hcRandom, 64<<20, 2)},
	}
}

// TestHalfCloseMatrix runs every client against every server with every
// payload: each side gets exactly what the other sent (or what the exec
// child made of it), and the client and the server both exit 0 by
// themselves once the exchange is over.
func TestHalfCloseMatrix(t *testing.T) {
	data := t.TempDir()
	payloads := hcMatrixPayloads(t, data)
	for _, srv := range hcServers(t) {
		t.Run("server="+srv.name, func(t *testing.T) {
			// Servers in parallel, two at a time on two cores, keep the
			// matrix short; nothing in it depends on timing.
			t.Parallel()
			for _, cli := range hcClients {
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

func hcMatrixCase(t *testing.T, s hcServer, c hcClient, pl hcMatrixPayload) {
	dir := t.TempDir()
	args := append([]string{"-lv"}, s.args...)
	var ep hcEndpoint
	if s.unix {
		ep.unix = filepath.Join(dir, "s.sock")
		args = append(args, "-U", ep.unix)
	} else {
		args = append(args, "127.0.0.1", "0")
	}
	var srvIn *os.File
	if s.reply {
		srvIn = hcOpenIn(t, pl.reply.path)
	}
	srvOut := filepath.Join(dir, "server.out")
	srv := hcGcat(t, srvIn, hcCreateOut(t, srvOut), args...)
	addr := srv.listenAddr()
	if !s.unix {
		ep.host, ep.port = hostPort(t, addr)
	}

	argv := c.argv(ep)
	cliOut := filepath.Join(dir, "client.out")
	cli := hcStart(t, hcOpenIn(t, pl.req.path), hcCreateOut(t, cliOut), argv[0], argv[1:]...)
	cli.mustSucceed()
	srv.mustSucceed()

	if s.reply {
		hcCheckFile(t, "server's stdout (the request)", srvOut, pl.req.plain)
		hcCheckFile(t, "client's stdout (the reply)", cliOut, pl.reply.plain)
	} else {
		hcCheckFile(t, "client's stdout (the child's output)", cliOut, s.out(pl.req))
		hcCheckFile(t, "server's stdout", srvOut, hcDigest{}.empty())
	}
	if t.Failed() {
		t.Logf("server stderr:\n%s\nclient stderr:\n%s", srv.stderr.String(), cli.stderr.String())
	}
}

// empty is the digest of no bytes.
func (hcDigest) empty() hcDigest { return hcDigestOf(nil) }
