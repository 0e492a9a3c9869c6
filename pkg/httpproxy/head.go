package httpproxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// DefaultMaxRequestLine bounds a Request-Line when
// ServerConfig.MaxRequestLine is zero: Apache's and nginx's 8 KiB, longer
// than any URI a browser sends (ncat 7.93 answers 413 from about 1 KiB).
const DefaultMaxRequestLine = 8 << 10

// Why a request head was refused, wrapped in Serve's error with the status
// that answered it.
var (
	ErrRequestLineTooLong = errors.New("request line too long")         // 414
	ErrHeadTooLarge       = errors.New("request header too large")      // 413
	ErrHeadTimeout        = errors.New("request head not sent in time") // 408

	// ErrFraming is an HTTP/1.0 request with a Transfer-Encoding field
	// (400), whose framing RFC 9112 section 6.1 says to treat as faulty:
	// net/http ignores the field, and would pass on a chunked body as
	// garbage after a bodiless request.
	ErrFraming = errors.New("HTTP/1.0 request with a Transfer-Encoding")
)

// errNoRequest is a client that closed its connection without starting a
// request.
var errNoRequest = errors.New("client closed the connection without a request")

// readRequest reads a request head from br, which reads through lim,
// answering a client that sends too much, too slowly or nonsense. br then
// holds what the client sent past the head. Every head of the connection
// must be complete by the session's one deadline, so a client can extend
// it neither by trickling nor by starting another round.
func (s *session) readRequest(br *bufio.Reader, lim *headLimit) (*http.Request, error) {
	pending, _ := br.Peek(br.Buffered()) // sent right behind the last head
	lim.reset(s.cfg.MaxHeaderBytes, s.cfg.MaxRequestLine, pending)
	if !s.deadline.IsZero() {
		s.setReadDeadline(s.deadline)
	}
	req, err := http.ReadRequest(br)
	lim.lift()
	s.setReadDeadline(time.Time{})
	if err == nil {
		head := lim.rec[:len(lim.rec)-br.Buffered()]
		if !req.ProtoAtLeast(1, 1) && hasField(head, "Transfer-Encoding") {
			s.refuse(http.StatusBadRequest)
			return nil, fmt.Errorf("http proxy: read request: %w", ErrFraming)
		}
		return req, nil
	}
	// net/http does not always say why: a timeout in the middle of a line
	// reads as a short line, and so as a malformed request. The limit
	// knows what happened below it.
	switch {
	case s.isCanceled():
	case lim.lineTooLong:
		s.refuse(http.StatusRequestURITooLong)
		err = fmt.Errorf("%w: more than %d bytes", ErrRequestLineTooLong, s.cfg.MaxRequestLine)
	case lim.exceeded:
		s.refuse(http.StatusRequestEntityTooLarge)
		err = fmt.Errorf("%w: more than %d bytes", ErrHeadTooLarge, s.cfg.MaxHeaderBytes)
	case errors.Is(lim.err, os.ErrDeadlineExceeded):
		s.refuse(http.StatusRequestTimeout)
		err = fmt.Errorf("%w: no complete head within %v: %w", ErrHeadTimeout, s.cfg.HeaderTimeout, lim.err)
	case errors.Is(err, io.EOF) && lim.read == 0 && br.Buffered() == 0:
		err = errNoRequest
	default:
		s.refuse(http.StatusBadRequest)
	}
	return nil, fmt.Errorf("http proxy: read request: %w", err)
}

// headLimit lets a bufio-based parser take at most n bytes from r, and at
// most line bytes (if line > 0) before the first line feed, until it is
// lifted, so that
// net/http's unbounded header reader stays bounded. It remembers the first
// error r returned, which the parser may have dropped.
type headLimit struct {
	r           io.Reader
	n, line     int
	read        int
	sawLF       bool // the Request-Line is complete
	lifted      bool
	exceeded    bool
	lineTooLong bool
	err         error
	rec         []byte // what the head's reader has been given
}

var errLimit = errors.New("request head limit reached")

func (l *headLimit) Read(p []byte) (int, error) {
	if l.lifted {
		return l.r.Read(p)
	}
	limit := l.n - l.read
	if !l.sawLF && l.line > 0 {
		limit = min(limit, l.line-l.read)
	}
	if limit <= 0 {
		if l.sawLF {
			l.exceeded = true
		} else {
			l.lineTooLong = true
		}
		return 0, errLimit
	}
	n, err := l.r.Read(p[:min(len(p), limit)])
	if !l.sawLF && bytes.IndexByte(p[:n], '\n') >= 0 {
		l.sawLF = true
	}
	l.rec = append(l.rec, p[:n]...)
	l.read += n
	if err != nil && l.err == nil {
		l.err = err
	}
	return n, err
}

func (l *headLimit) lift() { l.lifted = true }

// reset starts a new head of at most n bytes, whose first line has at
// most line bytes (its CRLF included), and whose first bytes, pending,
// were read with the last one.
func (l *headLimit) reset(n, line int, pending []byte) {
	*l = headLimit{r: l.r, n: n, line: line, rec: append(l.rec[:0], pending...)}
}

// hasField reports whether a request head has a field called name.
func hasField(head []byte, name string) bool {
	lines := bytes.Split(head, []byte("\n"))
	for _, line := range lines[1:] {
		field, _, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(field), name) {
			return true
		}
	}
	return false
}
