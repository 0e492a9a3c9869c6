package httpproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func needNcat(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ncat")
	if err != nil {
		t.Skip("ncat is not installed (apt-get install ncat): skipping the test against the real ncat")
	}
	return path
}

// startNcatProxy runs ncat's HTTP proxy server and returns its address once
// ncat says it listens. (ncat 7.93 binds every address in this mode, even
// when given 127.0.0.1; the tests only use loopback.)
func startNcatProxy(t *testing.T, extra ...string) string {
	t.Helper()
	ncat := needNcat(t)
	ln := listen(t)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	args := append([]string{"-v", "-l", "-k", "--proxy-type", "http"}, extra...)
	args = append(args, "127.0.0.1", fmt.Sprint(port))
	cmd := exec.Command(ncat, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), fmt.Sprintf("Listening on 0.0.0.0:%d", port)) {
				ready <- nil
				io.Copy(io.Discard, stderr)
				return
			}
		}
		ready <- fmt.Errorf("ncat exited before listening: %v", sc.Err())
	}()
	if err := recv(t, ready); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// startEcho starts a target that echoes as it reads and reports, at EOF,
// everything it read.
func startEcho(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln := listen(t)
	ch := make(chan string, 16)
	serveFunc(t, ln, func(c net.Conn) {
		var all bytes.Buffer
		_, err := io.Copy(io.MultiWriter(c, &all), c)
		if err != nil {
			ch <- "error: " + err.Error()
			return
		}
		ch <- all.String()
	})
	return ln.Addr().String(), ch
}

func dialThrough(t *testing.T, proxy, target string, auth *Auth) (net.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, err := Connect(ctx, dialer(proxy), target, auth)
	if err == nil {
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(waitLimit))
	}
	return conn, err
}

func TestClientThroughNcat(t *testing.T) {
	proxy := startNcatProxy(t)
	echo, echoed := startEcho(t)

	t.Run("echo then EOF", func(t *testing.T) {
		conn, err := dialThrough(t, proxy, echo, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "ping")
		buf := make([]byte, 4)
		if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("echo %q, %v", buf, err)
		}
		conn.(interface{ CloseWrite() error }).CloseWrite()
		if s := recv(t, echoed); s != "ping" {
			t.Errorf("target got %q", s)
		}
		if rest, err := io.ReadAll(conn); err != nil || len(rest) != 0 {
			t.Errorf("after EOF: %q, %v", rest, err)
		}
	})

	t.Run("reply after CloseWrite", func(t *testing.T) {
		upper, got := startUpper(t)
		conn, err := dialThrough(t, proxy, upper, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "request")
		conn.(interface{ CloseWrite() error }).CloseWrite()
		// gcat's CloseWrite reached the target through ncat...
		if s := recv(t, got); s != "request" {
			t.Fatalf("target got %q", s)
		}
		// ...but ncat 7.93's proxy closes the whole tunnel at the client's
		// EOF (measured), so the reply is lost there, not in gcat.
		reply, err := io.ReadAll(conn)
		if len(reply) == 0 {
			t.Skipf("ncat dropped the reply sent after the client's EOF (read: %v): a known ncat proxy limitation; gcat's server passes this in TestServeConnectHalfClose", err)
		}
		if string(reply) != "REQUEST" || err != nil {
			t.Errorf("reply %q, %v", reply, err)
		}
	})

	t.Run("target speaks first", func(t *testing.T) {
		banner, _ := startBanner(t, "220 hello from the target\r\n")
		conn, err := dialThrough(t, proxy, banner, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(conn)
		if string(b) != "220 hello from the target\r\n" || err != nil {
			t.Errorf("got %q, %v", b, err)
		}
	})
}

func TestClientThroughNcatAuth(t *testing.T) {
	proxy := startNcatProxy(t, "--proxy-auth", "u:p")
	echo, echoed := startEcho(t)
	conn, err := dialThrough(t, proxy, echo, &Auth{User: "u", Pass: "p"})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "authenticated")
	buf := make([]byte, len("authenticated"))
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "authenticated" {
		t.Fatalf("echo %q, %v", buf, err)
	}
	conn.(interface{ CloseWrite() error }).CloseWrite()
	if s := recv(t, echoed); s != "authenticated" {
		t.Errorf("target got %q", s)
	}

	_, err = dialThrough(t, proxy, echo, &Auth{User: "u", Pass: "wrong"})
	want := "http proxy " + proxy + `: 407 Proxy Authentication Required (credentials for user "u" rejected)`
	if err == nil || err.Error() != want {
		t.Errorf("wrong password: %v\nwant %s", err, want)
	}
	_, err = dialThrough(t, proxy, echo, nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 407 {
		t.Errorf("no credentials: %v", err)
	}
}

// TestNcatClientThroughServe drives ncat's own client through gcat's
// server: HTTP/1.0 CONNECT without Host, Digest MD5 after a 407, and the
// stdin EOF passed on through the tunnel.
func TestNcatClientThroughServe(t *testing.T) {
	ncat := needNcat(t)
	for _, auth := range []*Auth{nil, {User: "u", Pass: "p"}} {
		t.Run(fmt.Sprintf("auth=%v", auth != nil), func(t *testing.T) {
			upper, got := startUpper(t)
			p := startProxy(t, ServerConfig{Auth: auth})
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			host, port, _ := net.SplitHostPort(upper)
			args := []string{"--proxy", p.addr, "--proxy-type", "http"}
			if auth != nil {
				args = append(args, "--proxy-auth", "u:p")
			}
			cmd := exec.CommandContext(ctx, ncat, append(args, host, port)...)
			cmd.Stdin = strings.NewReader("through ncat\n")
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != "THROUGH NCAT\n" {
				t.Errorf("ncat: %v, output %q", err, out)
			}
			if s := recv(t, got); s != "through ncat\n" {
				t.Errorf("target got %q", s)
			}
		})
	}
}
