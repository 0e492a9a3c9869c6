package httpproxy

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Auth holds proxy credentials (--proxy-auth). A literal Auth{User, Pass}
// stands for "User:Pass"; ParseAuth keeps the string as the user gave it.
type Auth struct {
	// User and Pass answer Digest challenges (and check Digest answers),
	// and, for a literal Auth, Basic ones.
	User, Pass string

	// raw is the --proxy-auth string, sent as it is in Basic when rawSet
	// (it may be empty).
	raw    string
	rawSet bool
}

// ParseAuth returns the credentials of ncat's --proxy-auth argument,
// "user[:pass]". Basic sends the string exactly as given, base64-encoded,
// as ncat does: "a" as base64("a") (not "a:"), "" as an empty token, ":a"
// as base64(":a"). For Digest the user ends at the first colon, so a
// password may contain colons, and a missing password is empty ("a" is
// user "a" with no password, where ncat 7.93 gives up). Nothing is
// refused here: a user name with control characters, which Digest would
// echo into a header line, fails when a Digest challenge is answered.
func ParseAuth(s string) *Auth {
	user, pass, _ := strings.Cut(s, ":")
	return &Auth{User: user, Pass: pass, raw: s, rawSet: true}
}

// basic is what Basic credentials carry, before base64.
func (a *Auth) basic() string {
	if a.rawSet {
		return a.raw
	}
	return a.User + ":" + a.Pass
}

func hasCTL(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// authItem is one challenge (Proxy-Authenticate) or one set of credentials
// (Proxy-Authorization); RFC 7235 gives both the same grammar:
//
//	auth-scheme [ 1*SP ( token68 / #auth-param ) ]
type authItem struct {
	Scheme  string
	Token68 string
	Params  map[string]string // keys lower-cased
}

var errAuthSyntax = errors.New("malformed authentication header")

// parseAuthItems parses a Proxy-Authenticate value, which may hold several
// comma-separated challenges; a Proxy-Authorization value parses to one item.
func parseAuthItems(s string) ([]authItem, error) {
	p := &authParser{s: s}
	var items []authItem
	for {
		p.skipListSeparators()
		if p.i == len(p.s) {
			return items, nil
		}
		scheme := p.token()
		if scheme == "" {
			return items, errAuthSyntax
		}
		it := authItem{Scheme: scheme}
		if err := p.body(&it); err != nil {
			return items, err
		}
		items = append(items, it)
	}
}

type authParser struct {
	s string
	i int
}

func (p *authParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *authParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *authParser) skipListSeparators() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

func (p *authParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// atItemEnd reports whether the cursor is at the end of an item: the end of
// the value or the comma before the next one.
func (p *authParser) atItemEnd() bool {
	return p.i == len(p.s) || p.s[p.i] == ','
}

// body parses what follows a scheme: nothing, a token68, or auth-params. A
// param list ends where a token is not followed by "=", which is where the
// next challenge's scheme begins.
func (p *authParser) body(it *authItem) error {
	p.skipOWS()
	if p.atItemEnd() {
		return nil
	}
	start := p.i
	name := p.token()
	p.skipOWS()
	if name == "" || p.peek() != '=' {
		p.i = start
		return p.token68(it)
	}
	// "name=" followed by more "=" or the item's end is token68 padding.
	j := p.i
	for j < len(p.s) && p.s[j] == '=' {
		j++
	}
	rest := strings.TrimLeft(p.s[j:], " \t")
	if j-p.i > 1 || rest == "" || rest[0] == ',' {
		p.i = start
		return p.token68(it)
	}
	it.Params = map[string]string{}
	for {
		p.i++ // the '='
		p.skipOWS()
		v, err := p.value()
		if err != nil {
			return err
		}
		key := strings.ToLower(name)
		if _, dup := it.Params[key]; dup {
			return fmt.Errorf("%w: duplicate parameter %q", errAuthSyntax, key)
		}
		it.Params[key] = v
		more, err := p.nextParam()
		if !more {
			return err
		}
		name = p.token()
		p.skipOWS()
	}
}

// nextParam moves past a comma to the next auth-param and reports whether
// there is one; otherwise it leaves the cursor at the start of the next
// challenge (or at the end).
func (p *authParser) nextParam() (bool, error) {
	p.skipOWS()
	if p.i == len(p.s) {
		return false, nil
	}
	if p.s[p.i] != ',' {
		return false, fmt.Errorf("%w: junk after parameter", errAuthSyntax)
	}
	save := p.i
	p.skipListSeparators()
	name := p.token()
	p.skipOWS()
	if name == "" || p.peek() != '=' {
		p.i = save
		return false, nil
	}
	p.i = save
	p.skipListSeparators()
	return true, nil
}

func (p *authParser) value() (string, error) {
	if p.peek() == '"' {
		return p.quoted()
	}
	v := p.token()
	if v == "" {
		return "", fmt.Errorf("%w: empty parameter value", errAuthSyntax)
	}
	return v, nil
}

// quoted parses a quoted-string; control characters other than HTAB are
// refused, so no value can smuggle a line break into a header we echo it in.
func (p *authParser) quoted() (string, error) {
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return b.String(), nil
		case c == '\\' && p.i < len(p.s) && !isCTL(p.s[p.i]):
			b.WriteByte(p.s[p.i])
			p.i++
		case c == '\\' || isCTL(c):
			return "", fmt.Errorf("%w: bad character in quoted string", errAuthSyntax)
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("%w: unterminated quoted string", errAuthSyntax)
}

func (p *authParser) token68(it *authItem) error {
	start := p.i
	for p.i < len(p.s) && isToken68Char(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		return fmt.Errorf("%w: unexpected %q", errAuthSyntax, p.s[p.i:p.i+1])
	}
	for p.i < len(p.s) && p.s[p.i] == '=' {
		p.i++
	}
	it.Token68 = p.s[start:p.i]
	p.skipOWS()
	if !p.atItemEnd() {
		return fmt.Errorf("%w: junk after %q", errAuthSyntax, it.Token68)
	}
	return nil
}

func isCTL(c byte) bool { return (c < 0x20 && c != '\t') || c == 0x7f }

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

// quote formats s as a quoted-string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// digestAlgorithm is one of RFC 7616's hash algorithms.
type digestAlgorithm struct {
	name string // as written in headers
	hash func() hash.Hash
	sess bool
	rank int // higher is stronger
}

// digestAlgorithms maps upper-cased algorithm names to their definitions;
// a challenge without an algorithm means MD5 (RFC 2617).
var digestAlgorithms = map[string]digestAlgorithm{
	"MD5":              {"MD5", md5.New, false, 1},
	"MD5-SESS":         {"MD5-sess", md5.New, true, 1},
	"SHA-256":          {"SHA-256", sha256.New, false, 2},
	"SHA-256-SESS":     {"SHA-256-sess", sha256.New, true, 2},
	"SHA-512-256":      {"SHA-512-256", sha512.New512_256, false, 3},
	"SHA-512-256-SESS": {"SHA-512-256-sess", sha512.New512_256, true, 3},
}

func lookupDigestAlgorithm(name string) (digestAlgorithm, bool) {
	if name == "" {
		name = "MD5"
	}
	a, ok := digestAlgorithms[strings.ToUpper(name)]
	return a, ok
}

func (a digestAlgorithm) h(parts ...string) string {
	h := a.hash()
	h.Write([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(h.Sum(nil))
}

// digestInput is what a Digest response is computed from.
type digestInput struct {
	user, pass, realm string
	method, uri       string
	nonce, cnonce, nc string
	qop               string // "" (RFC 2069 compatibility) or "auth"
	alg               digestAlgorithm
}

// response computes the request-digest of RFC 7616 section 3.4.1.
func (d digestInput) response() string {
	ha1 := d.alg.h(d.user, d.realm, d.pass)
	if d.alg.sess {
		ha1 = d.alg.h(ha1, d.nonce, d.cnonce)
	}
	ha2 := d.alg.h(d.method, d.uri)
	if d.qop == "" {
		return d.alg.h(ha1, d.nonce, ha2)
	}
	return d.alg.h(ha1, d.nonce, d.nc, d.cnonce, d.qop, ha2)
}

// qopHasAuth reports whether a challenge's qop-options list offers "auth".
func qopHasAuth(options string) bool {
	for o := range strings.SplitSeq(options, ",") {
		if strings.EqualFold(strings.TrimSpace(o), "auth") {
			return true
		}
	}
	return false
}
