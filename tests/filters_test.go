//go:build linux

package tests

// What passes the data through a filter: -C, -x, -t, -d, --rate, --progress.

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCRLF: -C sends bare LFs as CR LF, in connect mode and for an exec
// child's output.
func TestCRLF(t *testing.T) {
	got := make(chan string, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c)
		got <- string(b)
	})
	gcat(t, strings.NewReader("a\nb\r\nc\n"), "-C", "127.0.0.1", port).mustSucceed()
	if s := <-got; s != "a\r\nb\r\nc\r\n" {
		t.Fatalf("server got %q", s)
	}
	srv := gcat(t, nil, "-lvC", "127.0.0.1", "0", "-c", `printf 'x\ny\n'`)
	host, p := hostPort(t, srv.listenAddr())
	cli := gcat(t, nil, host, p)
	cli.mustSucceed()
	if s := cli.stdout.String(); s != "x\r\ny\r\n" {
		t.Fatalf("client got %q from the child", s)
	}
}

// TestHexDumpMatchesNcat: -x writes what ncat writes for the same session
// (one chunk received), and -o the raw bytes; --append-output appends.
func TestHexDumpMatchesNcat(t *testing.T) {
	need(t, "ncat")
	payload := "hello world 1234567890\x01\xff end\n"
	dump := func(prog string, extra ...string) (hex, raw string) {
		dir := t.TempDir()
		hx, out := filepath.Join(dir, "x"), filepath.Join(dir, "o")
		e := endpoint{network: "tcp4", host: "127.0.0.1"}
		args := append(e.listenArgs(t, prog), append([]string{"-x", hx, "-o", out}, extra...)...)
		for range 2 { // with --append-output the second run adds to the first
			srv := start(t, nil, prog, args...)
			_, port := hostPort(t, srv.listenAddr())
			c, err := net.Dial("tcp4", "127.0.0.1:"+port)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte(payload))
			c.(*net.TCPConn).CloseWrite()
			io.ReadAll(c)
			c.Close()
			srv.wait()
			if len(extra) == 0 {
				break
			}
		}
		h, _ := os.ReadFile(hx)
		o, _ := os.ReadFile(out)
		return string(h), string(o)
	}
	for _, extra := range [][]string{nil, {"--append-output"}} {
		wantHex, wantRaw := dump("ncat", extra...)
		gotHex, gotRaw := dump(gcatBin, extra...)
		if gotHex != wantHex || wantHex == "" {
			t.Errorf("%q: gcat's hex dump:\n%s\nncat's:\n%s", extra, gotHex, wantHex)
		}
		if gotRaw != wantRaw || !strings.HasPrefix(wantRaw, payload) {
			t.Errorf("%q: gcat's -o file %q, ncat's %q", extra, gotRaw, wantRaw)
		}
	}
}

// TestTelnet: -t refuses the server's options (DO -> WONT, WILL -> DONT)
// and prints only the text.
func TestTelnet(t *testing.T) {
	answers := make(chan []byte, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		c.Write([]byte("\xff\xfd\x18\xff\xfb\x01login: "))
		b := make([]byte, 6)
		io.ReadFull(c, b)
		answers <- b
		c.CloseWrite()
		io.ReadAll(c)
	})
	in, inW := hcPipe(t)
	defer inW.Close()
	cli := gcat(t, in, "-t", "127.0.0.1", port)
	if b := <-answers; string(b) != "\xff\xfc\x18\xff\xfe\x01" {
		t.Fatalf("answers %q", b)
	}
	cli.mustSucceed()
	if s := cli.stdout.String(); s != "login: " {
		t.Fatalf("client printed %q", s)
	}
}

// TestDelay: -d waits between reads of what is sent.
func TestDelay(t *testing.T) {
	got := make(chan string, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c)
		got <- string(b)
	})
	start := time.Now()
	// A file is read in one go; the read that finds EOF is the second.
	f := filepath.Join(t.TempDir(), "in")
	os.WriteFile(f, []byte("x\n"), 0o644)
	in, _ := os.Open(f)
	defer in.Close()
	gcat(t, in, "-d", "500ms", "127.0.0.1", port).mustSucceed()
	if s := <-got; s != "x\n" || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("got %q after %v", s, time.Since(start))
	}
}

// TestRateAndProgress: --rate-out holds the upload near its rate (a loose
// lower bound: the accurate figure is a benchmark), every byte arrives, and
// --progress without a terminal prints one summary line on stderr and
// nothing on stdout.
func TestRateAndProgress(t *testing.T) {
	const size = 768 << 10
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	got := make(chan []byte, 1)
	port := tcpServer(t, func(c *net.TCPConn) {
		b, _ := io.ReadAll(c)
		got <- b
	})
	start := time.Now()
	cli := gcat(t, bytes.NewReader(data), "--rate-out", "512K", "--progress", "127.0.0.1", port)
	cli.mustSucceed()
	elapsed := time.Since(start)
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("server got %d bytes", len(b))
	}
	// 768 KiB at 512 KiB/s: 1.5 s, less one burst of 51 KiB.
	if elapsed < 1300*time.Millisecond {
		t.Fatalf("768 KiB at 512 KiB/s took only %v", elapsed)
	}
	if cli.stdout.String() != "" {
		t.Fatalf("stdout %q", cli.stdout.String())
	}
	re := regexp.MustCompile(`^gcat: sent 768\.00 KiB \(786432 bytes\), received 0 B \(0 bytes\) in [0-9.]+ s \([0-9.]+ \S+/s up, 0 B/s down\)\n$`)
	if !re.MatchString(cli.stderr.String()) {
		t.Fatalf("stderr %q", cli.stderr.String())
	}
}

// TestProgressLive: with stderr on a terminal, --progress redraws one live
// line in place ("\r" ... erase to end of line) several times during the
// transfer, erases it at the end and prints the summary.
func TestProgressLive(t *testing.T) {
	master, slave := hcOpenPTY(t)
	const size = 512 << 10
	port := tcpServer(t, func(c *net.TCPConn) { io.Copy(io.Discard, c) })
	cmd := exec.Command(gcatBin, "--rate-out", "256K", "--progress", "127.0.0.1", port)
	cmd.Stdin = bytes.NewReader(bytes.Repeat([]byte("x"), size))
	cmd.Stderr = slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close() // the child's copy is the only one left: EOF on the master at its exit
	output := hcReadAll(t, master)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("gcat: %v", err)
		}
	case <-time.After(bound):
		cmd.Process.Kill()
		t.Fatal("gcat did not exit")
	}
	out := string(output())
	// 512 KiB at 256 KiB/s is about 2 s: at four redraws a second there
	// are several, the exact count depending on the machine.
	if n := strings.Count(out, "\rgcat: sent "); n < 2 {
		t.Errorf("%d live redraws, want several: %q", n, out)
	}
	if !strings.Contains(out, "\x1b[K") {
		t.Errorf("the live line is never erased: %q", out)
	}
	summary := regexp.MustCompile(`\r\x1b\[Kgcat: sent 512\.00 KiB \(524288 bytes\), received 0 B \(0 bytes\) in [0-9.]+ s \(.*\)\r?\n$`)
	if !summary.MatchString(out) {
		t.Errorf("no erase and summary at the end: %q", out)
	}
}

// TestRateKeepOpenExec: --rate-in on a -lk -e server limits each
// connection (a loose lower bound on the time), and every byte is echoed.
func TestRateKeepOpenExec(t *testing.T) {
	srv := gcat(t, nil, "-lkv", "--rate-in", "256K", "127.0.0.1", "0", "-e", "/bin/cat")
	host, port := hostPort(t, srv.listenAddr())
	data := bytes.Repeat([]byte("0123456789abcdef"), (384<<10)/16)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			cli := gcat(t, bytes.NewReader(data), host, port)
			cli.mustSucceed()
			// 384 KiB at 256 KiB/s: 1.5 s less one burst of 25.6 KiB.
			if elapsed := time.Since(start); elapsed < 1300*time.Millisecond {
				t.Errorf("client %d: 384 KiB at 256 KiB/s took only %v", i, elapsed)
			}
			if !bytes.Equal(cli.stdout.Bytes(), data) {
				t.Errorf("client %d got %d bytes back", i, len(cli.stdout.Bytes()))
			}
		}()
	}
	wg.Wait()
}
