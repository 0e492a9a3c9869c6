package hexdump

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// seq returns the bytes 0, 1, ..., n-1 (mod 256).
func seq(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

// step returns n bytes (30 + 7i) mod 256: a spread of printable and high bytes.
func step(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 30)
	}
	return p
}

// srv is the reply the measuring server sent from its stdin after the
// client's chunk of n bytes: space, DEL, a high byte and '~' included.
func srv(n int) []byte { return []byte("srv" + string(rune(n)) + " \x7f\x80~ end\n") }

// measured is the chunk sequence of one ncat 7.93 session
// (ncat -l 127.0.0.1 PORT -x FILE), in the order the chunks passed: each
// client chunk, then the server's reply from stdin, then 0x00-0xff in one
// chunk. want is what ncat wrote to FILE for each, copied verbatim.
var measured = []struct {
	in   []byte
	want string
}{
	{seq(1),
		"0000   00                                                .               \n"},
	{srv(1),
		"0000   73 72 76 01 20 7f 80 7e  20 65 6e 64 0a           srv....~.end.   \n"},
	{seq(8),
		"0000   00 01 02 03 04 05 06 07                           ........        \n"},
	{srv(8),
		"0000   73 72 76 08 20 7f 80 7e  20 65 6e 64 0a           srv....~.end.   \n"},
	{seq(15),
		"0000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e     ............... \n"},
	{srv(15),
		"0000   73 72 76 0f 20 7f 80 7e  20 65 6e 64 0a           srv....~.end.   \n"},
	{seq(16),
		"0000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................\n"},
	{srv(16),
		"0000   73 72 76 10 20 7f 80 7e  20 65 6e 64 0a           srv....~.end.   \n"},
	{seq(17),
		"0000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................\n" +
			"0010   10                                                .               \n"},
	{srv(17),
		"0000   73 72 76 11 20 7f 80 7e  20 65 6e 64 0a           srv....~.end.   \n"},
	{seq(33),
		"0000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................\n" +
			"0010   10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  ................\n" +
			"0020   20                                                .               \n"},
	{srv(33),
		"0000   73 72 76 21 20 7f 80 7e  20 65 6e 64 0a           srv!...~.end.   \n"},
	{step(100),
		"0000   1e 25 2c 33 3a 41 48 4f  56 5d 64 6b 72 79 80 87  .%,3:AHOV]dkry..\n" +
			"0010   8e 95 9c a3 aa b1 b8 bf  c6 cd d4 db e2 e9 f0 f7  ................\n" +
			"0020   fe 05 0c 13 1a 21 28 2f  36 3d 44 4b 52 59 60 67  .....!(/6=DKRY`g\n" +
			"0030   6e 75 7c 83 8a 91 98 9f  a6 ad b4 bb c2 c9 d0 d7  nu|.............\n" +
			"0040   de e5 ec f3 fa 01 08 0f  16 1d 24 2b 32 39 40 47  ..........$+29@G\n" +
			"0050   4e 55 5c 63 6a 71 78 7f  86 8d 94 9b a2 a9 b0 b7  NU\\cjqx.........\n" +
			"0060   be c5 cc d3                                       ....            \n"},
	{srv(100),
		"0000   73 72 76 64 20 7f 80 7e  20 65 6e 64 0a           srvd...~.end.   \n"},
	{seq(256),
		"0000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................\n" +
			"0010   10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  ................\n" +
			"0020   20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  .!\"#$%&'()*+,-./\n" +
			"0030   30 31 32 33 34 35 36 37  38 39 3a 3b 3c 3d 3e 3f  0123456789:;<=>?\n" +
			"0040   40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  @ABCDEFGHIJKLMNO\n" +
			"0050   50 51 52 53 54 55 56 57  58 59 5a 5b 5c 5d 5e 5f  PQRSTUVWXYZ[\\]^_\n" +
			"0060   60 61 62 63 64 65 66 67  68 69 6a 6b 6c 6d 6e 6f  `abcdefghijklmno\n" +
			"0070   70 71 72 73 74 75 76 77  78 79 7a 7b 7c 7d 7e 7f  pqrstuvwxyz{|}~.\n" +
			"0080   80 81 82 83 84 85 86 87  88 89 8a 8b 8c 8d 8e 8f  ................\n" +
			"0090   90 91 92 93 94 95 96 97  98 99 9a 9b 9c 9d 9e 9f  ................\n" +
			"00a0   a0 a1 a2 a3 a4 a5 a6 a7  a8 a9 aa ab ac ad ae af  ................\n" +
			"00b0   b0 b1 b2 b3 b4 b5 b6 b7  b8 b9 ba bb bc bd be bf  ................\n" +
			"00c0   c0 c1 c2 c3 c4 c5 c6 c7  c8 c9 ca cb cc cd ce cf  ................\n" +
			"00d0   d0 d1 d2 d3 d4 d5 d6 d7  d8 d9 da db dc dd de df  ................\n" +
			"00e0   e0 e1 e2 e3 e4 e5 e6 e7  e8 e9 ea eb ec ed ee ef  ................\n" +
			"00f0   f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  ................\n"},
}

func TestDumpMatchesNcat(t *testing.T) {
	var all bytes.Buffer
	d := New(&all)
	var wantAll strings.Builder
	for _, tt := range measured {
		var one bytes.Buffer
		if err := New(&one).Dump(tt.in); err != nil {
			t.Fatal(err)
		}
		if got := one.String(); got != tt.want {
			t.Errorf("Dump(%q):\ngot\n%s\nwant\n%s", tt.in, got, tt.want)
		}
		if err := d.Dump(tt.in); err != nil {
			t.Fatal(err)
		}
		wantAll.WriteString(tt.want)
	}
	// One Dumper over the whole session: offsets restart for every chunk.
	if got := all.String(); got != wantAll.String() {
		t.Errorf("whole session:\ngot\n%s\nwant\n%s", got, wantAll.String())
	}
}

func TestDumpEmpty(t *testing.T) {
	w := &countingWriter{}
	if err := New(w).Dump(nil); err != nil {
		t.Fatal(err)
	}
	if w.writes != 0 {
		t.Fatalf("empty chunk made %d writes", w.writes)
	}
}

// Offsets are %04x: more digits past 0xffff (ncat's reads never get there).
func TestDumpLongChunk(t *testing.T) {
	var buf bytes.Buffer
	if err := New(&buf).Dump(seq(0x10011)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 0x1002 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, want := range map[int]string{
		0xfff:  "fff0   f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  ................",
		0x1000: "10000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................",
		0x1001: "10010   10                                                .               ",
	} {
		if lines[i] != want {
			t.Errorf("line %#x: got %q, want %q", i, lines[i], want)
		}
	}
}

type countingWriter struct{ writes int }

func (w *countingWriter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestDumpWriteError(t *testing.T) {
	if err := New(failingWriter{}).Dump([]byte("x")); !errors.Is(err, errWrite) {
		t.Fatalf("got %v, want %v", err, errWrite)
	}
}

// Run with -race: both relay directions dump into one Dumper, and each
// chunk's dump must arrive whole, in one Write.
func TestDumperConcurrent(t *testing.T) {
	var buf bytes.Buffer
	d := New(&buf)
	chunks := [][]byte{[]byte("0123456789abcdefXYZ"), seq(40)}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 100 {
				if err := d.Dump(chunks[g%2]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	dumps := []string{string(appendDump(nil, chunks[0])), string(appendDump(nil, chunks[1]))}
	rest := buf.String()
	counts := [2]int{}
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, dumps[0]):
			rest, counts[0] = rest[len(dumps[0]):], counts[0]+1
		case strings.HasPrefix(rest, dumps[1]):
			rest, counts[1] = rest[len(dumps[1]):], counts[1]+1
		default:
			t.Fatalf("chunks interleaved at %q", rest[:min(len(rest), 80)])
		}
	}
	if counts != [2]int{400, 400} {
		t.Fatalf("got %v dumps, want 400 of each", counts)
	}
}

var lineRE = regexp.MustCompile(`^([0-9a-f]{4,})   ((?:[0-9a-f]{2} |   ){8}) ((?:[0-9a-f]{2} |   ){8}) (.{16})$`)

func FuzzDump(f *testing.F) {
	for _, tt := range measured {
		f.Add(tt.in)
	}
	f.Add([]byte{})
	f.Add([]byte("hello world\r\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		var buf bytes.Buffer
		if err := New(&buf).Dump(p); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if len(p) == 0 {
			if out != "" {
				t.Fatalf("empty chunk dumped as %q", out)
			}
			return
		}
		if !strings.HasSuffix(out, "\n") {
			t.Fatalf("dump does not end in a newline: %q", out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if want := (len(p) + 15) / 16; len(lines) != want {
			t.Fatalf("%d lines for %d bytes, want %d", len(lines), len(p), want)
		}
		for i, l := range lines {
			m := lineRE.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("line %q does not match the layout", l)
			}
			if want := fmt.Sprintf("%04x", i*16); m[1] != want {
				t.Fatalf("line %q: offset %s, want %s", l, m[1], want)
			}
			chunk := p[i*16 : min(i*16+16, len(p))]
			hex := strings.Fields(m[2] + m[3])
			if len(hex) != len(chunk) {
				t.Fatalf("line %q: %d hex bytes, want %d", l, len(hex), len(chunk))
			}
			chars := make([]byte, 16)
			for j := range chars {
				chars[j] = ' '
			}
			for j, b := range chunk {
				if v, err := strconv.ParseUint(hex[j], 16, 8); err != nil || byte(v) != b {
					t.Fatalf("line %q: hex %q for byte %#x", l, hex[j], b)
				}
				chars[j] = '.'
				if b > ' ' && b < 0x7f {
					chars[j] = b
				}
			}
			if m[4] != string(chars) {
				t.Fatalf("line %q: character column %q, want %q", l, m[4], chars)
			}
		}
	})
}

// TestAgainstNcat runs the real ncat with -x and checks that its file is
// exactly what Dumper writes for the same chunks, in both directions.
func TestAgainstNcat(t *testing.T) {
	ncat, err := exec.LookPath("ncat")
	if err != nil {
		t.Skip("ncat is not in PATH: cannot compare with the real ncat -x output")
	}
	if testing.Short() {
		t.Skip("runs the real ncat; skipped in -short mode")
	}
	deadline := time.Now().Add(10 * time.Second)
	file := filepath.Join(t.TempDir(), "hex")

	var (
		cmd   *exec.Cmd
		stdin io.WriteCloser
		conn  net.Conn
	)
	exited := make(chan error, 1)
	// The port is picked by the kernel and handed to ncat; another process
	// could take it in between, so try a few times.
	for attempt := 0; conn == nil; attempt++ {
		if attempt == 3 || time.Now().After(deadline) {
			t.Fatal("could not start ncat and connect to it")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		cmd = exec.Command(ncat, "-l", "127.0.0.1", port, "-x", file)
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if stdin, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited = make(chan error, 1)
		go func(c *exec.Cmd, ch chan error) { ch <- c.Wait() }(cmd, exited)
	dial:
		for time.Now().Before(deadline) {
			select {
			case err := <-exited:
				t.Logf("ncat exited early (%v): %s", err, stderr.String())
				break dial
			default:
			}
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
			if err == nil {
				conn = c
				break
			}
			time.Sleep(20 * time.Millisecond) // poll interval while ncat starts listening
		}
	}
	t.Cleanup(func() {
		conn.Close()
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})

	var want bytes.Buffer
	d := New(&want)
	// waitFor polls FILE until it has the size the Dumper's output has.
	waitFor := func(what string) {
		t.Helper()
		for {
			got, _ := os.ReadFile(file)
			if len(got) == want.Len() {
				return
			}
			if len(got) > want.Len() || time.Now().After(deadline) {
				t.Fatalf("after %s: ncat wrote %d bytes, Dumper %d\nncat:\n%s\nDumper:\n%s",
					what, len(got), want.Len(), got, want.String())
			}
			time.Sleep(10 * time.Millisecond) // poll interval, bounded by deadline
		}
	}
	conn.SetDeadline(deadline)
	for _, c := range []struct {
		fromServer bool
		p          []byte
	}{
		{false, seq(1)},
		{true, srv(1)},
		{false, seq(17)},
		{true, []byte("reply from the server side\x00\xff\n")},
		{false, step(100)},
		{false, seq(256)},
		{true, seq(33)},
	} {
		if c.fromServer {
			if _, err := stdin.Write(c.p); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(c.p))
			if _, err := io.ReadFull(conn, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.p) {
				t.Fatalf("client read %q, server sent %q", got, c.p)
			}
		} else if _, err := conn.Write(c.p); err != nil {
			t.Fatal(err)
		}
		d.Dump(c.p)
		waitFor(fmt.Sprintf("%d bytes (from server: %v)", len(c.p), c.fromServer))
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Fatalf("ncat's file differs from Dumper's output\nncat:\n%s\nDumper:\n%s", got, want.String())
	}
}
