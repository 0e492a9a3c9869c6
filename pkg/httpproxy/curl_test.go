package httpproxy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// curl runs curl with a bounded time and returns its stdout.
func curl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed: skipping the test against a real HTTP client")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-sS", "--noproxy", ""}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Logf("curl %q: %v: %s", args, err, stderr.String())
	}
	return string(out), err
}

func TestCurlForward(t *testing.T) {
	origin, seen := startOrigin(t)
	p := startProxy(t, ServerConfig{})
	proxy := "http://" + p.addr

	out, err := curl(t, "--proxy", proxy, origin.URL+"/fixed")
	if err != nil || out != "fixed" {
		t.Errorf("GET: %q, %v", out, err)
	}
	recv(t, seen)

	out, err = curl(t, "--proxy", proxy, "-I", origin.URL+"/fixed")
	if err != nil || !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") || !strings.Contains(out, "Content-Length: 5\r\n") {
		t.Errorf("HEAD: %q, %v", out, err)
	}
	if r := recv(t, seen); r.Method != "HEAD" {
		t.Errorf("origin got %s", r.Method)
	}

	body := strings.Repeat("posted data ", 200_000) // above curl's Expect: 100-continue threshold
	file := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = curl(t, "--proxy", proxy, "--data-binary", "@"+file, origin.URL+"/echo")
	if err != nil || out != body {
		t.Errorf("POST: %d bytes back, %v", len(out), err)
	}
	if r := recv(t, seen); r.Method != "POST" || r.Header.Get("Proxy-Connection") != "" {
		t.Errorf("origin got %s %v", r.Method, r.Header)
	}

	out, err = curl(t, "--proxy", proxy, "-H", "Transfer-Encoding: chunked", "--data-binary", "chunks", origin.URL+"/echo")
	if err != nil || out != "chunks" {
		t.Errorf("chunked POST: %q, %v", out, err)
	}
	recv(t, seen)

	out, err = curl(t, "--proxy", proxy, origin.URL+"/chunked")
	if err != nil || out != "part one, part two" {
		t.Errorf("chunked GET: %q, %v", out, err)
	}
	recv(t, seen)
}

func TestCurlTunnel(t *testing.T) {
	origin, seen := startOrigin(t)
	p := startProxy(t, ServerConfig{})
	out, err := curl(t, "-p", "--proxy", "http://"+p.addr, "--data-binary", "tunnelled", origin.URL+"/echo")
	if err != nil || out != "tunnelled" {
		t.Errorf("proxytunnel: %q, %v", out, err)
	}
	// Through a tunnel the origin sees the client's own request.
	if r := recv(t, seen); r.RequestURI != "/echo" {
		t.Errorf("origin got %s", r.RequestURI)
	}
}

func TestCurlRefusals(t *testing.T) {
	origin, _ := startOrigin(t)
	p := startProxy(t, ServerConfig{})
	proxy := "http://" + p.addr
	for _, method := range []string{"PUT", "DELETE", "OPTIONS"} {
		out, err := curl(t, "--proxy", proxy, "-X", method, "-w", "%{http_code}", "-o", "/dev/null", origin.URL+"/echo")
		if err != nil || out != "405" {
			t.Errorf("%s: %q, %v", method, out, err)
		}
	}
	out, err := curl(t, "--proxy", proxy, "-H", "X-Big: "+strings.Repeat("b", 70<<10), "-w", "%{http_code}", "-o", "/dev/null", origin.URL+"/echo")
	if err != nil || out != "413" {
		t.Errorf("oversized header: %q, %v", out, err)
	}
}

// TestCurlAuth covers curl's three ways to authenticate to a proxy, for
// forwarded requests and for tunnels.
func TestCurlAuth(t *testing.T) {
	origin, seen := startOrigin(t)
	p := startProxy(t, ServerConfig{Auth: &Auth{User: "u", Pass: "p"}})
	proxy := "http://" + p.addr
	for _, mode := range []string{"--proxy-anyauth", "--proxy-digest", "--proxy-basic"} {
		for _, tunnel := range []bool{false, true} {
			name := mode
			args := []string{"--proxy", proxy, mode}
			if tunnel {
				name += " -p"
				args = append(args, "-p")
			}
			t.Run(name, func(t *testing.T) {
				out, err := curl(t, append(args, "--proxy-user", "u:p", "--data-binary", "secret", origin.URL+"/echo")...)
				if err != nil || out != "secret" {
					t.Errorf("right password: %q, %v", out, err)
				} else if r := recv(t, seen); r.Header.Get("Proxy-Authorization") != "" {
					t.Errorf("credentials leaked to the origin: %v", r.Header)
				}
				code := "%{http_code}"
				if tunnel {
					code = "%{http_connect}"
				}
				out, _ = curl(t, append(args, "--proxy-user", "u:wrong", "-w", code, "-o", "/dev/null", origin.URL+"/echo")...)
				if out != "407" {
					t.Errorf("wrong password: %q", out)
				}
			})
		}
	}
}
