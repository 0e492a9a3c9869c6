package httpproxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
)

// MaxHeaderBytes bounds a request or reply head (start line and header
// fields) by default, so a peer cannot make gcat buffer without limit.
const MaxHeaderBytes = 64 << 10

var (
	errClosedBeforeReply = errors.New("connection closed before reply")
	errClosedInReply     = errors.New("connection closed in the middle of the reply header")
	errHeadTooLarge      = fmt.Errorf("reply header larger than %d KiB", MaxHeaderBytes>>10)
)

// response is a proxy's reply head.
type response struct {
	major, minor int
	code         int
	reason       string
	header       textproto.MIMEHeader
}

// readResponse reads a reply head from br, reading no byte past its blank
// line: whatever br holds afterwards belongs to the tunnel.
func readResponse(br *bufio.Reader, limit int) (*response, error) {
	budget := limit
	line, err := readLine(br, &budget)
	if err != nil {
		return nil, replyError(err, line == nil)
	}
	r, err := parseStatusLine(line)
	if err != nil {
		return nil, err
	}
	if r.header, err = readHeader(br, &budget); err != nil {
		return nil, replyError(err, false)
	}
	return r, nil
}

// replyError says how reading a reply head failed.
func replyError(err error, nothingRead bool) error {
	switch {
	case errors.Is(err, io.EOF) && nothingRead:
		return errClosedBeforeReply
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errClosedInReply
	case errors.Is(err, errHeadTooLarge):
		return err
	}
	return fmt.Errorf("reading reply: %w", err)
}

// readLine returns one line without its line ending, charging its length to
// budget. A line cut short by EOF is returned with io.ErrUnexpectedEOF; EOF
// before any byte gives a nil line and io.EOF.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		*budget -= len(frag)
		if *budget < 0 {
			return nil, errHeadTooLarge
		}
		line = append(line, frag...)
		switch {
		case err == nil:
			line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
			if line == nil {
				line = []byte{}
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return line, io.ErrUnexpectedEOF
		default:
			return line, err
		}
	}
}

// parseStatusLine parses "HTTP/x.y 200 reason". The reason may be empty or
// missing altogether, as some proxies send "HTTP/1.0 200".
func parseStatusLine(line []byte) (*response, error) {
	s := string(line)
	bad := func() (*response, error) {
		return nil, fmt.Errorf("malformed status line %q", truncate(s, 80))
	}
	if len(s) < len("HTTP/1.1 200") || !strings.HasPrefix(s, "HTTP/") || s[6] != '.' || s[8] != ' ' {
		return bad()
	}
	major, minor := s[5], s[7]
	if !isDigit(major) || !isDigit(minor) || !isDigit(s[9]) || !isDigit(s[10]) || !isDigit(s[11]) {
		return bad()
	}
	code, _ := strconv.Atoi(s[9:12])
	if code < 100 {
		return bad()
	}
	rest := s[12:]
	// The reason is only ever shown through printable, so stray control
	// characters in it are no reason to refuse a tunnel.
	if rest != "" && rest[0] != ' ' || major != '1' {
		return bad()
	}
	return &response{
		major:  int(major - '0'),
		minor:  int(minor - '0'),
		code:   code,
		reason: strings.TrimSpace(rest),
	}, nil
}

// readHeader reads header fields up to the blank line. Obsolete line
// folding is joined with a space, as RFC 7230 tells recipients to.
func readHeader(br *bufio.Reader, budget *int) (textproto.MIMEHeader, error) {
	h := textproto.MIMEHeader{}
	var last string
	for {
		line, err := readLine(br, budget)
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			return h, nil
		}
		// RFC 7230 section 3.5: a bare CR may be replaced with a space; so
		// may any control character, none of which a value may hold.
		line = bytes.Map(func(r rune) rune {
			if isCTLRune(r) {
				return ' '
			}
			return r
		}, line)
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" {
				return nil, fmt.Errorf("malformed header line %q", truncate(string(line), 80))
			}
			vs := h[last]
			vs[len(vs)-1] += " " + strings.TrimSpace(string(line))
			continue
		}
		name, value, ok := strings.Cut(string(line), ":")
		if !ok || name == "" || strings.IndexFunc(name, func(r rune) bool { return r > 0x7f || !isTchar(byte(r)) }) >= 0 {
			return nil, fmt.Errorf("malformed header line %q", truncate(string(line), 80))
		}
		last = textproto.CanonicalMIMEHeaderKey(name)
		h[last] = append(h[last], strings.TrimSpace(value))
	}
}

func isCTLRune(r rune) bool { return r < 0x80 && isCTL(byte(r)) }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// printable replaces control characters in text a peer sent, so that an
// error message cannot drive the user's terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, truncate(s, 120))
}
