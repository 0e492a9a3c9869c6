package httpproxy

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// nonceLifetime is how long a Digest nonce we issued is accepted. A client
// answers a 407 within a round trip, so a short life costs nothing and
// limits how long a captured Proxy-Authorization can be replayed.
const nonceLifetime = 30 * time.Second

// serverSecret keys the nonces of this process. Nonces are not stored: a
// client answers a 407 on a new connection, handled by another Serve call,
// so a nonce carries its issue time and a MAC that any call can check.
// It is made at first use: most runs never serve a proxy, and start-up
// should not wait for random bytes they do not need.
var serverSecret = sync.OnceValue(func() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
})

func makeNonce(t time.Time) string {
	ts := strconv.FormatInt(t.UnixNano(), 16)
	return ts + "-" + nonceMAC(ts)
}

func nonceMAC(ts string) string {
	m := hmac.New(sha256.New, serverSecret())
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// checkNonce reports whether nonce is one we issued, and if so whether it is
// still fresh at now.
func checkNonce(nonce string, now time.Time) (ours, fresh bool) {
	ts, mac, ok := strings.Cut(nonce, "-")
	if !ok || !hmac.Equal([]byte(mac), []byte(nonceMAC(ts))) {
		return false, false
	}
	n, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return false, false
	}
	// A clock stepped back makes a fresh nonce look issued in the future.
	age := now.Sub(time.Unix(0, n))
	return true, age > -nonceLifetime && age <= nonceLifetime
}

type authVerdict int

const (
	authBad   authVerdict = iota // missing, malformed or wrong
	authOK                       // matches the configured credentials
	authStale                    // a correct Digest answer to an expired nonce
)

// checkAuth judges a request's Proxy-Authorization fields against want.
func checkAuth(req *http.Request, want *Auth, realm string, now time.Time) authVerdict {
	v := authBad
	for _, field := range req.Header.Values("Proxy-Authorization") {
		items, err := parseAuthItems(field)
		if err != nil || len(items) != 1 {
			continue
		}
		it := &items[0]
		switch {
		case strings.EqualFold(it.Scheme, "Basic"):
			if checkBasic(it, want) {
				return authOK
			}
		case strings.EqualFold(it.Scheme, "Digest"):
			switch checkDigest(it, req, want, realm, now) {
			case authOK:
				return authOK
			case authStale:
				v = authStale
			}
		}
	}
	return v
}

func checkBasic(it *authItem, want *Auth) bool {
	got, err := base64.StdEncoding.DecodeString(it.Token68)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, []byte(want.basic())) == 1
}

// checkDigest verifies an RFC 7616 (or RFC 2069, without qop) answer. The
// nonce must be ours and the uri must be this request's target, so a
// captured answer is good only for the same request and only briefly.
// Nonce counts are not tracked: that would need state shared across calls.
func checkDigest(it *authItem, req *http.Request, want *Auth, realm string, now time.Time) authVerdict {
	p := it.Params
	alg, algOK := lookupDigestAlgorithm(p["algorithm"])
	qop := p["qop"]
	switch {
	case !algOK, p["username"] != want.User, p["realm"] != realm, p["response"] == "",
		!uriMatches(p["uri"], req.RequestURI),
		qop != "" && (!strings.EqualFold(qop, "auth") || p["nc"] == "" || p["cnonce"] == ""):
		return authBad
	}
	ours, fresh := checkNonce(p["nonce"], now)
	if !ours {
		return authBad
	}
	in := digestInput{
		user: want.User, pass: want.Pass, realm: realm,
		method: req.Method, uri: p["uri"],
		nonce: p["nonce"], cnonce: p["cnonce"], nc: p["nc"], qop: strings.ToLower(qop), alg: alg,
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(p["response"])), []byte(in.response())) != 1 {
		return authBad
	}
	if !fresh {
		return authStale
	}
	return authOK
}

// uriMatches accepts the request-target itself and, for an absolute URI, its
// origin form, which some clients put in the Digest uri.
func uriMatches(uri, target string) bool {
	if uri == "" {
		return false
	}
	if uri == target {
		return true
	}
	origin, ok := originForm(target)
	return ok && uri == origin
}

// challenges are the Proxy-Authenticate values of a 407. Digest MD5 comes
// before SHA-256 because ncat's client answers the first Digest challenge
// and knows only MD5; clients that rank by strength still pick SHA-256.
func challenges(realm string, stale bool, now time.Time) []string {
	r := quote(realm)
	tail := ", nonce=" + quote(makeNonce(now)) + `, qop="auth"`
	if stale {
		tail += ", stale=true"
	}
	return []string{
		"Basic realm=" + r,
		"Digest realm=" + r + tail + ", algorithm=MD5",
		"Digest realm=" + r + tail + ", algorithm=SHA-256",
	}
}
