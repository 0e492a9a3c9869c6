package netcat

import (
	"time"

	"github.com/gcat-dev/gcat/pkg/relay"
)

// localKind is what a connection is relayed with.
type localKind int

const (
	localStream   localKind = iota // stdin a pipe, a file or a socket
	localTerminal                  // stdin a terminal
	localChild                     // an exec child's pipes
	localConn                      // another connection (--inetd's, relayed to a target)
)

// udpReplyWait is how long a UDP client waits, after its input's EOF, for
// the next reply before it quits.
const udpReplyWait = 2 * time.Second

// policy is the end-of-stream policy of a connection of cfg relayed with a
// local end of kind k: when each direction that has not reached EOF is
// given up. The table in policy_test.go is its specification.
func policy(cfg *Config, k localKind) relay.Options {
	opt := relay.Options{
		NoShutdown:  cfg.NoShutdown,
		Idle:        cfg.Idle,
		Quit:        cfg.Quit,
		QuitAfter:   cfg.QuitAfter,
		IdleTimeout: cfg.IdleTimeout,
		Interactive: k == localTerminal,
	}
	if cfg.KeepOpen && !cfg.Listen {
		opt.Idle = -1 // ncat 7.96+: -k outlives the peer's EOF
	}
	if !opt.Quit && (cfg.SendOnly || cfg.UDP && !cfg.Listen) {
		// No EOF will tell us the peer is done: after our input's EOF,
		// wait while replies keep coming (a UDP client), or drain what
		// the peer still sends so that closing does not reset it
		// (--send-only), and end once it has been silent.
		opt.Quit, opt.QuitSilent = true, true
		opt.QuitAfter = silentAfter(cfg)
	}
	switch k {
	case localChild:
		childPolicy(cfg, &opt)
	case localConn:
		// The other side is a peer too: each direction ends with its
		// EOF, however long that takes, and a reset ends both.
		opt.Idle = -1
		opt.EndOnPeerGone = true
	}
	return opt
}

// silentAfter is how long the connection must stay silent, after the local
// input's EOF, before a relay that has no EOF to wait for ends.
func silentAfter(cfg *Config) time.Duration {
	switch {
	case cfg.IdleTimeout > 0:
		return cfg.IdleTimeout
	case !cfg.SendOnly || cfg.UDP:
		return udpReplyWait
	case cfg.Idle > 0:
		return cfg.Idle
	}
	return relay.DefaultIdle
}

// childPolicy: all the child writes is delivered, however long it takes;
// input it did not read is drained, not reset; a peer found gone ends the
// child's connection at once, since nobody will read what it writes.
func childPolicy(cfg *Config, opt *relay.Options) {
	opt.Idle = -1
	opt.DrainOnOutputGone = true
	opt.EndOnPeerGone = true
	if cfg.UDP {
		// Datagrams never end: the child's session is over when its
		// output is.
		opt.Quit, opt.QuitSilent, opt.QuitAfter = true, false, 0
	}
}
