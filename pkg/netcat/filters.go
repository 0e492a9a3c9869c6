package netcat

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/gcat-dev/gcat/pkg/crlf"
	"github.com/gcat-dev/gcat/pkg/halfclose"
	"github.com/gcat-dev/gcat/pkg/hexdump"
	"github.com/gcat-dev/gcat/pkg/progress"
	"github.com/gcat-dev/gcat/pkg/ratelimit"
	"github.com/gcat-dev/gcat/pkg/telnet"
)

// filters are the per-run pieces that see every byte: the session record
// (-o, -x) and the progress meter, shared by all connections, and the
// per-connection transformations (-C, -d, -t, rate limits). With none of
// them set, streams are passed through untouched, so the relay's zero-copy
// paths stay in use.
type filters struct {
	cfg   *Config
	rec   *recorder
	meter *progress.Meter
}

// openFilters opens the record files and starts the progress meter. A
// failed write of a record file is told to failed.
func openFilters(cfg *Config, failed func(error)) (*filters, error) {
	f := &filters{cfg: cfg}
	if cfg.Output != "" || cfg.HexDump != "" {
		rec, err := openRecorder(cfg.Output, cfg.HexDump, cfg.Append)
		if err != nil {
			return nil, err
		}
		rec.failed = failed
		f.rec = rec
	}
	if cfg.Progress {
		live := false
		if file, ok := cfg.Stderr.(*os.File); ok {
			live = term.IsTerminal(int(file.Fd()))
		}
		f.meter = progress.New(cfg.Stderr, live)
		f.meter.Start()
	}
	return f, nil
}

// close stops the meter (printing its summary) and closes the record files.
func (f *filters) close() {
	if f.meter != nil {
		f.meter.Stop()
	}
	if f.rec != nil {
		f.rec.close()
	}
}

// sent wraps what is read to be sent to the peer (stdin, or an exec child's
// output). A nil input stays nil.
func (f *filters) sent(in io.Reader) io.Reader {
	if in == nil {
		return nil
	}
	x := in
	if f.cfg.CRLF {
		x = crlf.NewReader(x)
	}
	if f.cfg.Delay > 0 {
		x = &delayReader{r: x, d: f.cfg.Delay}
	}
	if f.cfg.RateOut > 0 {
		x = ratelimit.NewReader(x, f.cfg.RateOut)
	}
	if f.rec != nil {
		x = &teeReader{x, f.rec.record}
	}
	if f.meter != nil {
		x = f.meter.SentReader(x)
	}
	if x == in {
		return in
	}
	return &deadlineReader{Reader: x, under: in}
}

// received wraps a connection so that what is read from it passes the
// filters; writes go to the connection as they are.
func (f *filters) received(c net.Conn) net.Conn {
	conn, _ := f.receivedTelnet(c, telnet.Config{})
	return conn
}

// receivedTelnet is received with the telnet options of tc taken part in
// (with -t): a pty server's window size, a -T client's. It returns the
// telnet filter too, if there is one, for what it sends (Offer, Resize).
func (f *filters) receivedTelnet(c net.Conn, tc telnet.Config) (net.Conn, *telnet.Filter) {
	var tf *telnet.Filter
	var x io.Reader = c
	if f.cfg.RateIn > 0 {
		x = ratelimit.NewReader(x, f.cfg.RateIn)
	}
	if f.rec != nil {
		x = &teeReader{x, f.rec.record}
	}
	if f.meter != nil {
		x = f.meter.ReceivedReader(x)
	}
	if f.cfg.Telnet {
		tf = telnet.New(x, c, tc)
		x = tf
	}
	if x == io.Reader(c) {
		return c, nil
	}
	return &filteredConn{Conn: c, r: x}, tf
}

// filteredConn reads through filters and still ends its write side the way
// the connection underneath does.
type filteredConn struct {
	net.Conn
	r io.Reader
}

func (c *filteredConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *filteredConn) CloseWrite() error          { return halfclose.CloseWrite(c.Conn) }

// deadlineReader reads through filters but lets the relay interrupt the
// stream underneath.
type deadlineReader struct {
	io.Reader
	under io.Reader
}

func (d *deadlineReader) SetReadDeadline(t time.Time) error {
	if s, ok := d.under.(interface{ SetReadDeadline(time.Time) error }); ok {
		return s.SetReadDeadline(t)
	}
	return os.ErrNoDeadline
}

// delayReader waits d before every read but the first (-d).
type delayReader struct {
	r       io.Reader
	d       time.Duration
	started bool
}

func (d *delayReader) Read(p []byte) (int, error) {
	if d.started {
		time.Sleep(d.d)
	}
	d.started = true
	return d.r.Read(p)
}

// teeReader hands every chunk it reads to record.
type teeReader struct {
	r      io.Reader
	record func([]byte)
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.record(p[:n])
	}
	return n, err
}

// recorder writes the session to the -o file (raw bytes, both directions
// in the order they passed) and the -x file (ncat's hex dump).
type recorder struct {
	mu    sync.Mutex
	files []*os.File
	raw   *os.File
	hex   *hexdump.Dumper
	hexTo string // the -x file's name
	err   error  // the first failed write; nothing is written after it
	// failed is told of that failure, once: it ends the run.
	failed func(error)
}

func openRecorder(output, hex string, appendTo bool) (*recorder, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendTo {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	r := &recorder{}
	open := func(name string) (*os.File, error) {
		f, err := os.OpenFile(name, flags, 0o666)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("cannot open the session file: %w", err)
		}
		r.files = append(r.files, f)
		return f, nil
	}
	if output != "" {
		f, err := open(output)
		if err != nil {
			return nil, err
		}
		r.raw = f
	}
	if hex != "" {
		f, err := open(hex)
		if err != nil {
			return nil, err
		}
		r.hex, r.hexTo = hexdump.New(f), hex
	}
	return r, nil
}

// record writes p to the session files. A failed write is reported, once,
// and ends the run: a record with a hole in it would be worse than none.
func (r *recorder) record(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if r.raw != nil {
		if _, err := r.raw.Write(p); err != nil {
			r.fail(r.raw.Name(), err)
			return
		}
	}
	if r.hex != nil {
		if err := r.hex.Dump(p); err != nil {
			r.fail(r.hexTo, err)
		}
	}
}

func (r *recorder) fail(name string, err error) {
	r.err = writeError(name, err)
	if r.failed != nil {
		r.failed(r.err)
	}
}

func (r *recorder) close() {
	for _, f := range r.files {
		f.Close()
	}
}
