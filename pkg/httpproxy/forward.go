package httpproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// DefaultMaxChunkedBody bounds a chunked request body when
// ServerConfig.MaxChunkedBody is zero.
const DefaultMaxChunkedBody = 1 << 20

// Why a request body was refused, wrapped in Serve's error.
var (
	ErrChunkedRefused = errors.New("chunked request body refused")   // 411
	ErrBodyTooLarge   = errors.New("chunked request body too large") // 413
)

// forward passes a GET, HEAD or POST with an absolute URI to the origin
// server and its response back, then ends the connection (ncat serves one
// request per connection). The request body streams to the origin while the
// response is read, so an origin that answers early (or sends 100 Continue)
// is not deadlocked against a client waiting for it; a chunked body is
// read first (see dechunk).
func (s *session) forward(ctx context.Context, req *http.Request) error {
	addr, err := originAddr(req)
	if err != nil {
		s.refuse(http.StatusBadRequest)
		return fmt.Errorf("http proxy: %s: %w", req.Method, err)
	}
	if isChunked(req.TransferEncoding) {
		if err := s.dechunk(req); err != nil {
			return fmt.Errorf("http proxy: %s %s: %w", req.Method, printable(req.RequestURI), err)
		}
	}
	origin, err := s.dial(ctx, req, addr)
	if err != nil {
		return err
	}
	sent := make(chan error, 1)
	go sendRequest(sent, origin, req)

	headSent, err := s.relayResponse(origin, req)
	// Whatever the request writer still does is no longer wanted.
	origin.SetWriteDeadline(aLongTimeAgo)
	s.client.SetReadDeadline(aLongTimeAgo)
	werr := <-sent
	if err == nil {
		s.lingerClose()
		return nil
	}
	var bodyErr *clientBodyError
	clientFault := errors.As(werr, &bodyErr)
	if !headSent && !s.isCanceled() {
		if clientFault {
			s.refuse(http.StatusBadRequest)
		} else {
			s.refuse(http.StatusBadGateway)
		}
	}
	if clientFault {
		err = werr
	}
	return fmt.Errorf("http proxy: %s %s: %w", req.Method, printable(req.RequestURI), err)
}

// originAddr is the host:port an absolute http:// request URI names.
func originAddr(req *http.Request) (string, error) {
	u := req.URL
	if !strings.EqualFold(u.Scheme, "http") || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute http:// URI", printable(req.RequestURI))
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 || u.Hostname() == "" {
		return "", fmt.Errorf("bad host in %q", printable(req.RequestURI))
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// originForm turns an absolute URI into the path-and-query form an origin
// server expects, keeping the client's bytes as they were.
func originForm(uri string) (string, bool) {
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "", false
	}
	rest, _, _ = strings.Cut(rest, "#")
	i := strings.IndexAny(rest, "/?")
	switch {
	case i < 0:
		return "/", true
	case rest[i] == '?':
		return "/" + rest[i:], true
	}
	return rest[i:], true
}

// hopByHop are the fields that describe one connection, not the message,
// and so stop at a proxy (RFC 7230 section 6.1), with the proxy's
// credentials.
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func removeHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
}

// dechunk reads a chunked request body whole and makes the request carry
// it with a Content-Length, its trailer fields merged into the header (RFC
// 9112 section 7.1.3). An origin server may speak only HTTP/1.0, so a
// proxy that does not know better cannot pass chunked on, and passing on
// what it has not understood would let the two ends frame the request
// differently. A client that waits for 100 Continue before sending its
// body is told to go on.
func (s *session) dechunk(req *http.Request) error {
	limit := s.cfg.MaxChunkedBody
	if limit < 0 {
		s.refuse(http.StatusLengthRequired)
		return ErrChunkedRefused
	}
	if req.ProtoAtLeast(1, 1) && strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		if _, err := io.WriteString(s.client, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return err
		}
		req.Header.Del("Expect")
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	switch {
	case err != nil:
		s.refuse(http.StatusBadRequest)
		return &clientBodyError{err}
	case int64(len(body)) > limit:
		s.refuse(http.StatusRequestEntityTooLarge)
		return fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.TransferEncoding = nil
	req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	for name, values := range req.Trailer {
		if !trailerForbidden[name] {
			for _, v := range values {
				req.Header.Add(name, v)
			}
		}
	}
	req.Trailer = nil
	return nil
}

// trailerForbidden are the fields that may not be merged from a trailer:
// those that frame, route, authenticate or otherwise direct the message
// (RFC 9110 section 6.5.1), which a client could not have meant to set
// after the body.
var trailerForbidden = map[string]bool{
	"Authorization": true, "Cache-Control": true, "Content-Encoding": true, "Content-Length": true,
	"Content-Range": true, "Content-Type": true, "Cookie": true, "Expect": true, "Host": true,
	"Max-Forwards": true, "Proxy-Authorization": true, "Range": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Upgrade": true,
}

// requestHead is the head sent to the origin: origin-form target, Host from
// the URI, no hop-by-hop fields, our own framing and Connection: close.
func requestHead(req *http.Request) []byte {
	target, _ := originForm(req.RequestURI)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, target, req.URL.Host)
	_, hadLength := req.Header["Content-Length"]
	h := req.Header.Clone()
	removeHopByHop(h)
	h.Del("Content-Length")
	h.Del("Host")
	h.Write(&b)
	if req.ContentLength > 0 || hadLength {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", max(req.ContentLength, 0))
	}
	b.WriteString("Connection: close\r\n\r\n")
	return b.Bytes()
}

func isChunked(te []string) bool {
	return len(te) > 0 && strings.EqualFold(te[len(te)-1], "chunked")
}

// clientBodyError is a failure to read the request body from the client: a
// fault of the client's, unlike a failure to write to the origin.
type clientBodyError struct{ err error }

func (e *clientBodyError) Error() string { return "reading request body: " + e.err.Error() }
func (e *clientBodyError) Unwrap() error { return e.err }

type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = &clientBodyError{err}
	}
	return n, err
}

// sendRequest writes the request to the origin. If the client's body fails,
// the origin is waiting for bytes that will not come, so the response read
// is stopped too.
func sendRequest(done chan<- error, origin net.Conn, req *http.Request) {
	err := writeRequest(origin, req)
	var bodyErr *clientBodyError
	if errors.As(err, &bodyErr) {
		origin.SetReadDeadline(aLongTimeAgo)
	}
	done <- err
}

func writeRequest(w io.Writer, req *http.Request) error {
	if _, err := w.Write(requestHead(req)); err != nil {
		return err
	}
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	_, err := io.Copy(w, bodyReader{req.Body})
	return err
}

// relayResponse reads the origin's response and sends it to the client. It
// reports whether the final response's head reached the client, after
// which an error can no longer be answered with a status.
func (s *session) relayResponse(origin net.Conn, req *http.Request) (headSent bool, err error) {
	lim := &headLimit{r: origin, n: s.cfg.MaxHeaderBytes}
	obr := bufio.NewReader(lim)
	for {
		resp, err := http.ReadResponse(obr, req)
		if err != nil {
			if lim.exceeded {
				err = fmt.Errorf("response head larger than %d bytes", s.cfg.MaxHeaderBytes)
			}
			return false, fmt.Errorf("reading response: %w", err)
		}
		if resp.StatusCode == http.StatusSwitchingProtocols {
			return false, errors.New("origin switched protocols, which was not asked for")
		}
		if resp.StatusCode < 200 {
			// 1xx heads are forwarded, except to HTTP/1.0 clients that
			// do not know them (RFC 7231 section 6.2).
			if req.ProtoAtLeast(1, 1) {
				if _, err := s.client.Write(responseHead(resp, req)); err != nil {
					return false, fmt.Errorf("writing to client: %w", err)
				}
			}
			continue
		}
		lim.lift()
		if _, err := s.client.Write(responseHead(resp, req)); err != nil {
			return false, fmt.Errorf("writing to client: %w", err)
		}
		_, err = io.Copy(s.client, resp.Body)
		resp.Body.Close()
		if err != nil {
			return true, fmt.Errorf("relaying response body: %w", err)
		}
		return true, nil
	}
}

// responseHead is the head sent to the client: our HTTP version, no
// hop-by-hop fields, and a body ended by Content-Length when the origin gave
// one and by closing the connection otherwise, which every HTTP/1.x client
// understands (a chunked body is sent unchunked).
func responseHead(resp *http.Response, req *http.Request) []byte {
	reason := strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %03d %s\r\n", resp.StatusCode, reason)
	h := resp.Header.Clone()
	removeHopByHop(h)
	if resp.StatusCode >= 200 {
		if bodyAllowed(req.Method, resp.StatusCode) {
			h.Del("Content-Length")
			if resp.ContentLength >= 0 {
				h.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
			}
		}
		h.Set("Connection", "close")
	}
	h.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// bodyAllowed reports whether a response can carry a body (RFC 7230
// section 3.3.3); for the others Content-Length is informational and is
// passed on as the origin sent it.
func bodyAllowed(method string, code int) bool {
	return method != "HEAD" && code != http.StatusNoContent && code != http.StatusNotModified
}
