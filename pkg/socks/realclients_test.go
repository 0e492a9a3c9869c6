package socks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// These tests put gcat's server in front of real clients: curl and ncat.

// cleanEnv is the environment without proxy settings, which curl obeys.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.Contains(strings.ToLower(strings.SplitN(kv, "=", 2)[0]), "proxy") {
			env = append(env, kv)
		}
	}
	return env
}

// run runs a client to completion, bounded.
func run(t *testing.T, stdin io.Reader, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestCurlThroughServer(t *testing.T) {
	curl := need(t, "curl")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "origin saw %s %s", r.Method, r.URL.Path)
	}))
	defer origin.Close()
	_, port, _ := net.SplitHostPort(origin.Listener.Addr().String())
	byIP, byName := "http://127.0.0.1:"+port+"/p", "http://origin.test:"+port+"/p"
	auth := &Auth{User: "u", Password: "s3cret"}
	tests := []struct {
		name string
		cfg  ServerConfig
		args []string // {proxy option..., url}
		dial string   // what the server was asked to dial
	}{
		{"socks5", ServerConfig{}, []string{"--socks5", "PROXY", byIP}, "127.0.0.1:" + port},
		{"socks5-hostname", ServerConfig{}, []string{"--socks5-hostname", "PROXY", byName}, "origin.test:" + port},
		{"socks4", ServerConfig{}, []string{"--socks4", "PROXY", byIP}, "127.0.0.1:" + port},
		{"socks4a", ServerConfig{}, []string{"--socks4a", "PROXY", byName}, "origin.test:" + port},
		{"socks5 url with auth", ServerConfig{Auth: auth}, []string{"--proxy", "socks5://u:s3cret@PROXY", byIP}, "127.0.0.1:" + port},
		{"socks5h url with auth", ServerConfig{Version: 5, Auth: auth}, []string{"--proxy", "socks5h://u:s3cret@PROXY", byName}, "origin.test:" + port},
		{"socks4a url with user id", ServerConfig{Version: 4, Auth: &Auth{User: "bob"}}, []string{"--proxy", "socks4a://bob@PROXY", byName}, "origin.test:" + port},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.cfg)
			args := []string{"-sS", "--max-time", "10"}
			for _, a := range tt.args {
				args = append(args, strings.Replace(a, "PROXY", srv.addr, 1))
			}
			out, stderr, err := run(t, nil, curl, args...)
			if err != nil || out != "origin saw GET /p" {
				t.Fatalf("curl: %q, %v, stderr %s", out, err, stderr)
			}
			if got := srv.dialed(t); got != tt.dial {
				t.Errorf("the server dialed %q, want %q", got, tt.dial)
			}
			if err := srv.served(t); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		closed := closedPort(t)
		srv := startServer(t, ServerConfig{Auth: auth})
		for _, tt := range []struct {
			args   []string
			stderr string
			served string
		}{
			{[]string{"--proxy", "socks5://u:wrong@" + srv.addr, byIP}, "User was rejected", "authentication failed"},
			{[]string{"--socks5", srv.addr, byIP}, "No authentication method was acceptable", "none acceptable"},
			{[]string{"--proxy", "socks5://u:s3cret@" + srv.addr, "http://" + closed + "/"}, "(5)", "connection refused"},
			{[]string{"--proxy", "socks4://eve@" + srv.addr, byIP}, "(93)", `user id "eve" refused`},
		} {
			out, stderr, err := run(t, nil, curl, append([]string{"-sS", "--max-time", "10"}, tt.args...)...)
			if err == nil || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("curl %v: %q, %v, stderr %s; want a failure mentioning %q", tt.args, out, err, stderr, tt.stderr)
			}
			if err := srv.served(t); err == nil || !strings.Contains(err.Error(), tt.served) {
				t.Errorf("Serve: %v, want an error mentioning %q", err, tt.served)
			}
			t.Logf("curl %v: %s", tt.args, strings.TrimSpace(stderr))
		}
	})
}

// TestNcatThroughServer drives ncat --proxy-type socks4/socks5 as a client
// of gcat's server. The target answers only after the client's EOF, so each
// exchange also proves the half-close went through the tunnel.
func TestNcatThroughServer(t *testing.T) {
	ncat := need(t, "ncat")
	upper := startUpper(t, "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(upper)
	big := strings.Repeat("the quick brown fox\n", 100000)
	tests := []struct {
		name  string
		cfg   ServerConfig
		args  []string // after --proxy ADDR
		input string
		dial  string
	}{
		{"socks5", ServerConfig{}, []string{"--proxy-type", "socks5", "127.0.0.1", port}, "hello\n", upper},
		{"socks5 auth", ServerConfig{Auth: &Auth{User: "u", Password: "p:w"}}, []string{"--proxy-type", "socks5", "--proxy-auth", "u:p:w", "127.0.0.1", port}, "hello\n", upper},
		{"socks5 domain", ServerConfig{}, []string{"--proxy-type", "socks5", "origin.test", port}, "hello\n", "origin.test:" + port},
		{"socks5 local dns", ServerConfig{}, []string{"-4", "--proxy-type", "socks5", "--proxy-dns", "local", "localhost", port}, "hello\n", upper},
		{"socks5 large", ServerConfig{Version: 5}, []string{"--proxy-type", "socks5", "127.0.0.1", port}, big, upper},
		{"socks4", ServerConfig{}, []string{"--proxy-type", "socks4", "127.0.0.1", port}, "hello\n", upper},
		{"socks4 user id", ServerConfig{Version: 4, Auth: &Auth{User: "bob"}}, []string{"--proxy-type", "socks4", "--proxy-auth", "bob", "127.0.0.1", port}, "hello\n", upper},
		{"socks4a", ServerConfig{}, []string{"--proxy-type", "socks4", "origin.test", port}, "hello\n", "origin.test:" + port},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.cfg)
			out, stderr, err := run(t, strings.NewReader(tt.input), ncat, append([]string{"--proxy", srv.addr}, tt.args...)...)
			if err != nil || out != strings.ToUpper(tt.input) {
				t.Fatalf("ncat: %d bytes out (want %d), %v, stderr %s", len(out), len(tt.input), err, stderr)
			}
			if got := srv.dialed(t); got != tt.dial {
				t.Errorf("the server dialed %q, want %q", got, tt.dial)
			}
			if err := srv.served(t); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		srv := startServer(t, ServerConfig{Auth: &Auth{User: "u", Password: "p"}})
		closed := targetOf(t, closedPort(t))
		for _, tt := range []struct {
			args   []string
			served string
		}{
			{[]string{"--proxy-type", "socks5", "--proxy-auth", "u:wrong", "127.0.0.1", port}, "authentication failed"},
			{[]string{"--proxy-type", "socks5", "--proxy-auth", "u:p", "127.0.0.1", fmt.Sprint(closed.Port)}, "connection refused"},
			{[]string{"--proxy-type", "socks4", "--proxy-auth", "eve", "127.0.0.1", port}, `user id "eve" refused`},
		} {
			out, stderr, err := run(t, strings.NewReader("x"), ncat, append([]string{"--proxy", srv.addr}, tt.args...)...)
			if err == nil {
				t.Errorf("ncat %v succeeded: %q", tt.args, out)
			}
			if err := srv.served(t); err == nil || !strings.Contains(err.Error(), tt.served) {
				t.Errorf("Serve: %v, want an error mentioning %q", err, tt.served)
			}
			t.Logf("ncat %v: %s", tt.args, strings.TrimSpace(stderr))
		}
	})
}
