// Package httpproxy speaks ncat's HTTP proxy protocol, both ends: Connect
// opens a tunnel through a proxy with CONNECT (--proxy-type http), and Serve
// is the proxy for one accepted client (-l --proxy-type http).
//
// Both ends keep gcat's promise that no byte is lost: the client hands on
// whatever the proxy sent right behind its reply, the server forwards
// whatever the client sent right behind its request, and a tunnel passes
// each direction's EOF on separately instead of tearing the tunnel down at
// the first one (ncat 7.93's server does the latter, losing the reply to a
// client that half-closes).
//
// Authentication is Basic or Digest (RFC 7616: MD5, SHA-256, SHA-512-256,
// with or without qop=auth). Like ncat, the client sends credentials only
// after a 407 and answers it on a new connection.
package httpproxy
