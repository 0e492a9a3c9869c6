//go:build linux

package tests

// Helpers for the half-close tests: hcPayload files with the digests of every
// output the servers can produce from them, processes whose stdin and stdout
// are files or pipes (large payloads never go through the test's memory),
// Python peers, and a pseudo-terminal.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// hcDigest is the length and sha256 of a byte stream.
type hcDigest struct {
	n   int64
	sum [sha256.Size]byte
}

func (d hcDigest) String() string { return fmt.Sprintf("%d bytes, sha256 %x", d.n, d.sum[:6]) }

// hcDigester accumulates an hcDigest.
type hcDigester struct {
	n int64
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func newHCDigester() *hcDigester { return &hcDigester{h: sha256.New()} }

func (d *hcDigester) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return d.h.Write(p)
}

func (d *hcDigester) digest() hcDigest {
	var out hcDigest
	out.n = d.n
	copy(out.sum[:], d.h.Sum(nil))
	return out
}

// hcPayload is a file and the digests of what the servers under test turn it
// into: itself (a plain relay, -e /bin/cat), upper-cased (tr a-z A-Z) and
// through hcPipeline.
type hcPayload struct {
	name  string
	path  string
	plain hcDigest
	upper hcDigest
	pipe  hcDigest
}

// hcPipeline is the -c pipeline of the matrix. tr works on bytes, so it
// takes random data as well as text, and Go can compute its output.
const hcPipeline = "tr a-z A-Z | tr -d 0-9"

func hcUpper(p []byte) []byte {
	out := make([]byte, len(p))
	for i, c := range p {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func hcDropDigits(p []byte) []byte {
	out := make([]byte, 0, len(p))
	for _, c := range p {
		if c < '0' || c > '9' {
			out = append(out, c)
		}
	}
	return out
}

// hcPayload kinds.
const (
	hcText   = "text"   // lines of lower-case words and digits
	hcRandom = "random" // uniformly random bytes
)

// hcMakePayload writes size bytes of the given kind to dir/name, streaming, and
// computes the digests. The content depends only on seed.
func hcMakePayload(t *testing.T, dir, name, kind string, size int64, seed uint64) hcPayload {
	t.Helper()
	p := hcPayload{name: name, path: filepath.Join(dir, name)}
	f, err := os.Create(p.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	plain, upper, pipe := newHCDigester(), newHCDigester(), newHCDigester()
	w := bufio.NewWriterSize(io.MultiWriter(f, plain), 1<<20)
	emit := func(chunk []byte) {
		w.Write(chunk)
		u := hcUpper(chunk)
		upper.Write(u)
		pipe.Write(hcDropDigits(u))
	}
	var chacha [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(chacha[i*8:], seed+uint64(i))
	}
	src := rand.NewChaCha8(chacha)
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789 "
	buf := make([]byte, 64<<10)
	for left := size; left > 0; {
		chunk := buf[:min(int64(len(buf)), left)]
		switch kind {
		case hcRandom:
			src.Read(chunk)
		case hcText:
			for i := range chunk {
				if rnd.IntN(60) == 0 {
					chunk[i] = '\n'
				} else {
					chunk[i] = letters[rnd.IntN(len(letters))]
				}
			}
			if left == int64(len(chunk)) {
				chunk[len(chunk)-1] = '\n'
			}
		default:
			t.Fatalf("unknown hcPayload kind %q", kind)
		}
		emit(chunk)
		left -= int64(len(chunk))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	p.plain, p.upper, p.pipe = plain.digest(), upper.digest(), pipe.digest()
	return p
}

// hcShared returns a payload of the given kind, size and seed, made once per
// test run and shared by the tests that use it (making 64 MiB and its digests
// takes seconds under -race). The files live next to the binary under test
// and go with it when TestMain ends.
func hcShared(t *testing.T, kind string, size int64, seed uint64) hcPayload {
	t.Helper()
	name := fmt.Sprintf("%s-%d-%d", kind, size, seed)
	hcCache.Lock()
	defer hcCache.Unlock()
	if p, ok := hcCache.m[name]; ok {
		return p
	}
	dir := filepath.Join(filepath.Dir(gcatBin), "payloads")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := hcMakePayload(t, dir, name, kind, size, seed)
	if hcCache.m == nil {
		hcCache.m = make(map[string]hcPayload)
	}
	hcCache.m[name] = p
	return p
}

var hcCache struct {
	sync.Mutex
	m map[string]hcPayload
}

// hcFixedPayload writes the given bytes as a hcPayload.
func hcFixedPayload(t *testing.T, dir, name string, data []byte) hcPayload {
	t.Helper()
	p := hcPayload{name: name, path: filepath.Join(dir, name)}
	if err := os.WriteFile(p.path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p.plain, p.upper, p.pipe = hcDigestOf(data), hcDigestOf(hcUpper(data)), hcDigestOf(hcDropDigits(hcUpper(data)))
	return p
}

func hcDigestOf(b []byte) hcDigest {
	d := newHCDigester()
	d.Write(b)
	return d.digest()
}

// hcFileDigest digests the file at path.
func hcFileDigest(t *testing.T, path string) hcDigest {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := newHCDigester()
	if _, err := io.CopyBuffer(d, f, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	return d.digest()
}

// hcCheckFile fails the test unless the file at path has digest want.
func hcCheckFile(t *testing.T, what, path string, want hcDigest) {
	t.Helper()
	if got := hcFileDigest(t, path); got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// hcOpenIn opens path as a child's stdin, closed at cleanup.
func hcOpenIn(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// hcCreateOut creates path as a child's stdout, closed at cleanup.
func hcCreateOut(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// pipe returns an os.Pipe whose ends are closed at cleanup (closing twice is
// harmless).
func hcPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// hcStart is start with files for stdin and stdout: a nil stdin is an
// empty, closed input and a nil stdout is collected in p.stdout as usual.
// Files are passed to the child as they are, so big payloads never go
// through the test process.
func hcStart(t *testing.T, stdin, stdout *os.File, name string, args ...string) *proc {
	t.Helper()
	// A nil *os.File must not become a non-nil io.Reader.
	var in io.Reader
	var out io.Writer
	if stdin != nil {
		in = stdin
	}
	if stdout != nil {
		out = stdout
	}
	return startIO(t, in, out, name, args...)
}

// hcGcat starts the binary under test with hcStart.
func hcGcat(t *testing.T, stdin, stdout *os.File, args ...string) *proc {
	t.Helper()
	return hcStart(t, stdin, stdout, gcatBin, args...)
}

// python starts a Python script with arguments; stdout is collected.
func hcPython(t *testing.T, stdin io.Reader, script string, args ...string) *proc {
	t.Helper()
	need(t, "python3")
	return start(t, stdin, "python3", append([]string{"-c", script}, args...)...)
}

// hcPyServer starts a Python server script that listens on 127.0.0.1, port 0,
// and prints the port on its first stdout line; it returns the process and
// the port.
func hcPyServer(t *testing.T, stdin io.Reader, script string) (*proc, string) {
	t.Helper()
	p := hcPython(t, stdin, hcPyListen+script)
	port := p.nextStdoutLine()
	if _, err := strconv.Atoi(port); err != nil {
		t.Fatalf("python server printed %q, not a port", port)
	}
	return p, port
}

// hcPyListen is the preamble of hcPyServer scripts: it leaves the accepted
// connection in c.
const hcPyListen = `
import socket, sys
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
print(ls.getsockname()[1], flush=True)
c, _ = ls.accept()
ls.close()
def read_all(c):
    data = b""
    while True:
        b = c.recv(65536)
        if not b:
            return data
        data += b
`

// hcPyClient is a socket client that sends its stdin while reading the
// reply, then shutdown(SHUT_WR)s and reads the reply to EOF, which goes to
// stdout. argv[1] is "tcp" (argv[2] host:port) or "unix" (argv[2] a path).
const hcPyClient = `
import socket, sys, threading
fam, addr = sys.argv[1], sys.argv[2]
if fam == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(addr)
else:
    h, p = addr.rsplit(":", 1)
    s = socket.create_connection((h, int(p)))
failed = []
def send():
    try:
        f = sys.stdin.buffer
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            s.sendall(b)
        s.shutdown(socket.SHUT_WR)
    except Exception as e:
        failed.append(e)
th = threading.Thread(target=send)
th.start()
out = sys.stdout.buffer
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    out.write(b)
out.flush()
th.join()
s.close()
if failed:
    sys.exit("send: %r" % failed[0])
`

// hcOpenPTY returns a pseudo-terminal pair, closed at cleanup: the slave is a
// terminal to give a child as stdin, the master stands for the user.
func hcOpenPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := master.Fd()
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("ptsname: %v", e)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pty slave: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// hcReadAll reads r to EOF in the background and returns a function
// that waits, bounded, for the result.
func hcReadAll(t *testing.T, r io.Reader) func() []byte {
	t.Helper()
	ch := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, r)
		ch <- b.Bytes()
	}()
	return func() []byte {
		t.Helper()
		select {
		case b := <-ch:
			return b
		case <-time.After(bound):
			t.Fatalf("no EOF within %v", bound)
			return nil
		}
	}
}
