package tlsconf

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// suite is a TLS 1.2 cipher suite Go offers, described the way OpenSSL's
// cipher strings select suites.
type suite struct {
	id       uint16
	name     string // OpenSSL's name
	kx, auth string // key exchange, authentication: OpenSSL's kX and aX names
	enc      string // AES128, AES256, CHACHA20
	mac      string // SHA1, SHA256, SHA384 (AEAD suites: their PRF hash)
	aead     bool
	bits     int
}

// suites are Go's secure TLS 1.2 suites, in OpenSSL's preference order:
// all forward-secret. Go's insecure ones (RSA key exchange, RC4, 3DES, CBC
// with SHA-256) are left out: a string that names only those names nothing
// gcat offers. TLS 1.3 suites are not
// configurable, in OpenSSL's cipher strings as in Go.
var suites = []suite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE", "ECDSA", "AES256", "SHA384", true, 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE", "RSA", "AES256", "SHA384", true, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE", "ECDSA", "CHACHA20", "SHA256", true, 256},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE", "RSA", "CHACHA20", "SHA256", true, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE", "ECDSA", "AES128", "SHA256", true, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE", "RSA", "AES128", "SHA256", true, 128},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "ECDHE", "ECDSA", "AES256", "SHA1", false, 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "ECDHE", "RSA", "AES256", "SHA1", false, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "ECDHE", "ECDSA", "AES128", "SHA1", false, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "ECDHE", "RSA", "AES128", "SHA1", false, 128},
}

// keyword is what an OpenSSL cipher-string word selects among suites.
func keyword(word string) (func(suite) bool, bool) {
	switch strings.ToUpper(word) {
	case "ALL", "DEFAULT", "HIGH", "COMPLEMENTOFDEFAULT":
		return func(suite) bool { return true }, true
	case "KECDHE", "KEECDH", "ECDHE", "EECDH":
		return func(s suite) bool { return s.kx == "ECDHE" }, true
	case "KRSA", "RSA":
		return func(s suite) bool { return s.kx == "RSA" }, true
	case "ARSA":
		return func(s suite) bool { return s.auth == "RSA" }, true
	case "AECDSA", "ECDSA":
		return func(s suite) bool { return s.auth == "ECDSA" }, true
	case "AES":
		return func(s suite) bool { return strings.HasPrefix(s.enc, "AES") }, true
	case "AES128", "AES256", "CHACHA20":
		enc := strings.ToUpper(word)
		return func(s suite) bool { return s.enc == enc }, true
	case "AESGCM":
		return func(s suite) bool { return s.aead && s.enc != "CHACHA20" }, true
	case "SHA1", "SHA":
		return func(s suite) bool { return s.mac == "SHA1" }, true
	case "SHA256", "SHA384":
		mac := strings.ToUpper(word)
		return func(s suite) bool { return s.mac == mac && !s.aead }, true
	case "TLSV1.2":
		return func(s suite) bool { return s.aead }, true
	case "TLSV1", "TLSV1.0", "SSLV3":
		return func(s suite) bool { return !s.aead }, true
	}
	for _, s := range suites {
		if strings.EqualFold(s.name, word) {
			id := s.id
			return func(s suite) bool { return s.id == id }, true
		}
	}
	return nil, false
}

// Ciphers maps an OpenSSL cipher string (--ssl-ciphers) onto Go's TLS 1.2
// suites, with OpenSSL's rules: words separated by ':', ',' or spaces;
// "A+B" selects what both select; a "!" prefix removes for good, "-"
// removes, "+" moves to the end; "@STRENGTH" sorts by key length. As in
// OpenSSL, a word naming nothing gcat offers (DHE, CAMELLIA, a typo) selects
// nothing; a string that selects nothing at all is an error.
func Ciphers(spec string) ([]uint16, error) {
	l := cipherList{banned: map[uint16]bool{}}
	words := strings.FieldsFunc(spec, func(r rune) bool { return r == ':' || r == ',' || r == ' ' || r == ';' })
	for _, w := range words {
		l.apply(w)
	}
	if len(l.active) == 0 {
		msg := fmt.Sprintf("--ssl-ciphers %q selects no cipher suite gcat offers", spec)
		if len(l.unknown) > 0 {
			msg += fmt.Sprintf(" (not offered or unknown: %s)", strings.Join(l.unknown, ", "))
		}
		return nil, fmt.Errorf("%s; try e.g. ECDHE+AESGCM or HIGH", msg)
	}
	ids := make([]uint16, len(l.active))
	for i, s := range l.active {
		ids[i] = s.id
	}
	return ids, nil
}

// cipherList is a cipher string being read: the suites selected so far,
// in order, those removed for good, and the words that named nothing.
type cipherList struct {
	active  []suite
	banned  map[uint16]bool
	unknown []string
}

// apply applies one word of a cipher string.
func (l *cipherList) apply(w string) {
	if strings.HasPrefix(w, "@") {
		if strings.EqualFold(w, "@STRENGTH") {
			slices.SortStableFunc(l.active, func(a, b suite) int { return b.bits - a.bits })
		}
		return // @SECLEVEL=n and the like do not apply to Go's suites
	}
	op := byte(0)
	if strings.ContainsRune("!-+", rune(w[0])) {
		op, w = w[0], w[1:]
	}
	match, known := selector(w)
	if !known {
		l.unknown = append(l.unknown, w)
		return
	}
	switch op {
	case '!':
		for _, s := range suites {
			if match(s) {
				l.banned[s.id] = true
			}
		}
		l.active = slices.DeleteFunc(l.active, match)
	case '-':
		l.active = slices.DeleteFunc(l.active, match)
	case '+':
		var moved []suite
		l.active = slices.DeleteFunc(l.active, func(s suite) bool {
			if match(s) {
				moved = append(moved, s)
				return true
			}
			return false
		})
		l.active = append(l.active, moved...)
	default:
		for _, s := range suites {
			if match(s) && !l.banned[s.id] && !slices.ContainsFunc(l.active, func(a suite) bool { return a.id == s.id }) {
				l.active = append(l.active, s)
			}
		}
	}
}

// selector combines the words of "A+B" into one test; known is false when
// any of them names nothing gcat knows.
func selector(term string) (match func(suite) bool, known bool) {
	var tests []func(suite) bool
	for _, part := range strings.Split(term, "+") {
		t, ok := keyword(part)
		if !ok {
			return nil, false
		}
		tests = append(tests, t)
	}
	return func(s suite) bool {
		for _, t := range tests {
			if !t(s) {
				return false
			}
		}
		return true
	}, true
}

// SuiteNames names suites the way OpenSSL does, for -v.
func SuiteNames(ids []uint16) []string {
	var names []string
	for _, id := range ids {
		for _, s := range suites {
			if s.id == id {
				names = append(names, s.name)
			}
		}
	}
	return names
}
