package socks

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// pythonServer is an independent SOCKS4/4a/5 server, written from the
// protocol documents rather than from our code, for the client to be
// tested against. It prints its port, then one line per request: what it
// was asked to connect to, as it received it. Its relay passes each EOF on
// with shutdown(SHUT_WR).
const pythonServer = `
import socket, struct, sys, threading
USER = sys.argv[1] if len(sys.argv) > 1 else None
PASS = sys.argv[2] if len(sys.argv) > 2 else None

def recvn(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b

def cstr(c):
    b = b""
    while True:
        d = recvn(c, 1)
        if d == b"\0":
            return b.decode()
        b += d

def pump(src, dst):
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            dst.sendall(d)
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def relay(a, b):
    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join()
    a.close()
    b.close()

def dial(host, port):
    try:
        return socket.create_connection((host, port), timeout=10), 0
    except ConnectionRefusedError:
        return None, 5
    except OSError:
        return None, 1

def socks4(c):
    cmd, port = struct.unpack(">BH", recvn(c, 3))
    ip = recvn(c, 4)
    user = cstr(c)
    host = cstr(c) if ip[:3] == b"\0\0\0" and ip[3] else socket.inet_ntoa(ip)
    print("socks4 user=%s %s %d" % (user, host, port), flush=True)
    if USER is not None and user != USER:
        c.sendall(b"\0\x5d" + b"\0" * 6)
        return c.close()
    t, err = dial(host, port)
    if t is None:
        c.sendall(b"\0\x5b" + b"\0" * 6)
        return c.close()
    t.settimeout(None)
    c.sendall(b"\0\x5a" + b"\0" * 6)
    relay(c, t)

def socks5(c):
    methods = recvn(c, recvn(c, 1)[0])
    want = 2 if USER is not None else 0
    if want not in methods:
        c.sendall(b"\x05\xff")
        return c.close()
    c.sendall(bytes([5, want]))
    if want == 2:
        ver, ulen = recvn(c, 2)
        u = recvn(c, ulen).decode()
        p = recvn(c, recvn(c, 1)[0]).decode()
        ok = (u, p) == (USER, PASS)
        c.sendall(bytes([1, 0 if ok else 1]))
        if not ok:
            return c.close()
    ver, cmd, rsv, atyp = recvn(c, 4)
    if atyp == 1:
        host = socket.inet_ntoa(recvn(c, 4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, recvn(c, 16))
    else:
        host = recvn(c, recvn(c, 1)[0]).decode()
    port = struct.unpack(">H", recvn(c, 2))[0]
    print("socks5 atyp=%d %s %d" % (atyp, host, port), flush=True)
    t, err = dial(host, port)
    if t is None:
        c.sendall(bytes([5, err, 0, 1, 0, 0, 0, 0, 0, 0]))
        return c.close()
    t.settimeout(None)
    a, p = t.getsockname()[:2]
    if t.family == socket.AF_INET6:
        bound = b"\x04" + socket.inet_pton(socket.AF_INET6, a)
    else:
        bound = b"\x01" + socket.inet_aton(a)
    c.sendall(b"\x05\x00\x00" + bound + struct.pack(">H", p))
    relay(c, t)

def handle(c):
    try:
        v = recvn(c, 1)[0]
        (socks4 if v == 4 else socks5)(c)
    except Exception as e:
        print("error", e, flush=True)
        c.close()

s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
`

// startPython runs pythonServer with args (user and password to require)
// and returns its address and its request log.
func startPython(t *testing.T, args ...string) (string, <-chan string) {
	t.Helper()
	py := need(t, "python3")
	script := filepath.Join(t.TempDir(), "socks_server.py")
	if err := os.WriteFile(script, []byte(pythonServer), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, append([]string{script}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return "127.0.0.1:" + nextLine(t, lines), lines
}

func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("the python server exited")
		}
		return l
	case <-time.After(wait):
		t.Fatal("the python server said nothing")
		return ""
	}
}

// TestClientPython runs gcat's client against the independent server,
// checking what the server received: names for it to resolve with SOCKS4a
// and SOCKS5 domains, addresses otherwise.
func TestClientPython(t *testing.T) {
	upper := startUpper(t, "127.0.0.1:0")
	up := targetOf(t, upper)
	byName := Target{Host: "localhost", Port: up.Port}
	plain, plainLog := startPython(t)
	authed, authedLog := startPython(t, "u", "p:w")
	tests := []struct {
		name    string
		proxy   string
		log     <-chan string
		version int
		target  Target
		auth    *Auth
		saw     string
	}{
		{"socks4", plain, plainLog, 4, up, nil, fmt.Sprintf("socks4 user= 127.0.0.1 %d", up.Port)},
		{"socks4 user id", plain, plainLog, 4, up, &Auth{User: "bob"}, fmt.Sprintf("socks4 user=bob 127.0.0.1 %d", up.Port)},
		{"socks4a", plain, plainLog, 4, byName, nil, fmt.Sprintf("socks4 user= localhost %d", up.Port)},
		{"socks5", plain, plainLog, 5, up, nil, fmt.Sprintf("socks5 atyp=1 127.0.0.1 %d", up.Port)},
		{"socks5 domain", plain, plainLog, 5, byName, nil, fmt.Sprintf("socks5 atyp=3 localhost %d", up.Port)},
		{"socks5 auth", authed, authedLog, 5, up, &Auth{User: "u", Password: "p:w"}, fmt.Sprintf("socks5 atyp=1 127.0.0.1 %d", up.Port)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := connectVia(t, tt.proxy, tt.version, tt.target, tt.auth)
			if err != nil {
				t.Fatal(err)
			}
			if got := exchange(t, c, "through python\n"); got != "THROUGH PYTHON\n" {
				t.Errorf("got %q", got)
			}
			if got := nextLine(t, tt.log); got != tt.saw {
				t.Errorf("the server saw %q, want %q", got, tt.saw)
			}
		})
	}

	t.Run("ipv6", func(t *testing.T) {
		if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		} else {
			ln.Close()
		}
		v6 := targetOf(t, startUpper(t, "[::1]:0"))
		c, err := connectVia(t, plain, 5, v6, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := exchange(t, c, "six"); got != "SIX" {
			t.Errorf("got %q", got)
		}
		if got, want := nextLine(t, plainLog), fmt.Sprintf("socks5 atyp=4 ::1 %d", v6.Port); got != want {
			t.Errorf("the server saw %q, want %q", got, want)
		}
	})

	closed := targetOf(t, closedPort(t))
	for _, tt := range []struct {
		name    string
		proxy   string
		version int
		auth    *Auth
		is      error
		text    string
	}{
		{"socks5 refused", plain, 5, nil, ErrRejected, "connection refused by destination"},
		{"socks4 refused", plain, 4, nil, ErrRejected, "request rejected or failed (91)"},
		{"wrong password", authed, 5, &Auth{User: "u", Password: "guess"}, ErrAuth, "authentication failed: the proxy refused the username and password (status 1)"},
		{"no credentials", authed, 5, nil, ErrAuth, "authentication failed: the proxy requires authentication"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connectVia(t, tt.proxy, tt.version, closed, tt.auth)
			errorIs(t, err, tt.is, fmt.Sprintf("socks%d proxy %s: %s", tt.version, tt.proxy, tt.text))
		})
	}

}
