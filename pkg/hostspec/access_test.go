package hostspec

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// accessTests are ncat 7.93's decisions for peers 127.0.0.1, .2 and .3,
// measured on loopback and rechecked by TestAccessMatchesNcat when ncat is
// installed. Options ending in "file" take the file's contents.
var accessTests = []struct {
	name  string
	args  []string
	admit [3]bool // 127.0.0.1, 127.0.0.2, 127.0.0.3
}{
	{"none", nil, [3]bool{true, true, true}},
	{"allow one", []string{"--allow", "127.0.0.1"}, [3]bool{true, false, false}},
	{"deny one", []string{"--deny", "127.0.0.2"}, [3]bool{true, false, true}},
	{"deny beats allow, same host", []string{"--allow", "127.0.0.1", "--deny", "127.0.0.1"}, [3]bool{false, false, false}},
	{"deny beats allow, option order", []string{"--deny", "127.0.0.1", "--allow", "127.0.0.1"}, [3]bool{false, false, false}},
	{"deny host inside allowed net", []string{"--allow", "127.0.0.0/8", "--deny", "127.0.0.2"}, [3]bool{true, false, true}},
	{"deny net around allowed host", []string{"--allow", "127.0.0.2", "--deny", "127.0.0.0/8"}, [3]bool{false, false, false}},
	{"allow comma list", []string{"--allow", "127.0.0.1,127.0.0.3"}, [3]bool{true, false, true}},
	{"allow repeated", []string{"--allow", "127.0.0.1", "--allow", "127.0.0.3"}, [3]bool{true, false, true}},
	{"allow empty arg", []string{"--allow", ""}, [3]bool{false, false, false}},
	{"allow empty file", []string{"--allowfile", ""}, [3]bool{false, false, false}},
	{"deny empty file", []string{"--denyfile", ""}, [3]bool{true, true, true}},
	{"allow file range", []string{"--allowfile", "127.0.0.1-2\n"}, [3]bool{true, true, false}},
	{"allow file octet list", []string{"--allowfile", "127.0.0.1,3\n"}, [3]bool{true, false, true}},
	{"allow file and arg", []string{"--allowfile", "127.0.0.3", "--allow", "127.0.0.2"}, [3]bool{false, true, true}},
	{"allow range with prefix", []string{"--allow", "127.0-1.0.1/31"}, [3]bool{true, false, false}},
	{"allow open range", []string{"--allow", "127.0.0.2-"}, [3]bool{false, true, true}},
	{"deny wildcard", []string{"--deny", "127.0.0.*"}, [3]bool{false, false, false}},
}

var peers = [3]netip.Addr{
	netip.MustParseAddr("127.0.0.1"),
	netip.MustParseAddr("127.0.0.2"),
	netip.MustParseAddr("127.0.0.3"),
}

func TestAccess(t *testing.T) {
	for _, tt := range accessTests {
		t.Run(tt.name, func(t *testing.T) {
			a := accessFrom(t, writeFiles(t, tt.args))
			for i, p := range peers {
				if got := a.Admit(p); got != tt.admit[i] {
					t.Errorf("Admit(%v) = %v, want %v", p, got, tt.admit[i])
				}
			}
		})
	}
}

func TestAccessZero(t *testing.T) {
	var a Access
	if !a.Admit(peers[0]) || !a.Admit(netip.Addr{}) {
		t.Fatal("the zero Access refuses a peer")
	}
	a.Allow = Join()
	if a.Admit(netip.Addr{}) {
		t.Fatal("a peer without an address passed an allow list")
	}
}

// writeFiles replaces the contents given to --allowfile and --denyfile with
// the names of temporary files holding them.
func writeFiles(t *testing.T, args []string) []string {
	out := slices.Clone(args)
	for i := 0; i+1 < len(out); i += 2 {
		if strings.HasSuffix(out[i], "file") {
			name := filepath.Join(t.TempDir(), "hosts")
			if err := os.WriteFile(name, []byte(out[i+1]), 0o600); err != nil {
				t.Fatal(err)
			}
			out[i+1] = name
		}
	}
	return out
}

// accessFrom builds an Access from ncat options the way gcat's CLI should.
func accessFrom(t *testing.T, args []string) Access {
	var allow, deny []*List
	var a Access
	for i := 0; i+1 < len(args); i += 2 {
		opt, val := args[i], args[i+1]
		var l *List
		var err error
		if strings.HasSuffix(opt, "file") {
			var f *os.File
			if f, err = os.Open(val); err == nil {
				l, err = testParser.ParseFile(t.Context(), f, val)
				f.Close()
			}
		} else {
			l, err = testParser.ParseArg(t.Context(), val)
		}
		if err != nil {
			t.Fatalf("%s %q: %v", opt, val, err)
		}
		if strings.HasPrefix(opt, "--allow") {
			allow = append(allow, l)
		} else {
			deny = append(deny, l)
		}
	}
	if allow != nil {
		a.Allow = Join(allow...)
	}
	a.Deny = Join(deny...)
	return a
}

// TestAccessMatchesNcat replays accessTests against the real ncat, so that
// the table stays a measurement rather than a belief.
func TestAccessMatchesNcat(t *testing.T) {
	ncat := needNcat(t)
	for _, tt := range accessTests {
		t.Run(tt.name, func(t *testing.T) {
			args := writeFiles(t, tt.args)
			addr := startNcat(t, ncat, args)
			for i, p := range peers {
				if got := ncatAdmits(t, addr, p); got != tt.admit[i] {
					t.Errorf("ncat %s admits %v: %v, table says %v", strings.Join(tt.args, " "), p, got, tt.admit[i])
				}
			}
		})
	}
}

// TestBadFileMatchesNcat checks that, like ncat, one bad spec rejects a
// whole file.
func TestBadFileMatchesNcat(t *testing.T) {
	args := writeFiles(t, []string{"--allowfile", "127.0.0.1\n127.0.0.300\n"})
	f, err := os.Open(args[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := testParser.ParseFile(t.Context(), f, args[1]); err == nil {
		t.Error("ParseFile accepted a file with a bad spec")
	}

	ncat := needNcat(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, ncat, append([]string{"-l", "127.0.0.1", strconv.Itoa(freePort(t))}, args...)...)
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil || !strings.Contains(stderr.String(), "error in hosts file") {
		t.Errorf("ncat with a bad allowfile: %v, stderr %q", err, stderr.String())
	}
}

func needNcat(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs ncat; skipped with -short")
	}
	path, err := exec.LookPath("ncat")
	if err != nil {
		t.Skip("ncat not installed")
	}
	c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).Dial("tcp", "127.0.0.1:1")
	if err != nil && strings.Contains(err.Error(), "bind") {
		t.Skipf("cannot use 127.0.0.2 as a source address here: %v", err)
	}
	if c != nil {
		c.Close()
	}
	return path
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNcat runs "ncat -lk 127.0.0.1 PORT -c 'echo ok' args..." and returns
// its address once it accepts connections.
func startNcat(t *testing.T, ncat string, args []string) string {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(ncat, append([]string{"-lk", "127.0.0.1", port, "-c", "echo ok"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		// A connection that ncat then refuses still proves it listens.
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("ncat %v never listened; stderr: %s", args, stderr.String())
	return ""
}

// ncatAdmits connects from src; an admitted peer reads the child's "ok".
func ncatAdmits(t *testing.T, addr string, src netip.Addr) bool {
	t.Helper()
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0)), Timeout: 3 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %v: %v", addr, src, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	data, _ := io.ReadAll(c) // a refused peer sees EOF or a reset
	return strings.Contains(string(data), "ok")
}
