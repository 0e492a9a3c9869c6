package netcat

import (
	"reflect"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/relay"
)

// TestPolicy is the end-of-stream policy table: which relay options each
// mode gets with each kind of local end.
func TestPolicy(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name string
		cfg  Config
		kind localKind
		want relay.Options
	}{
		{"connect, stdin a pipe", Config{}, localStream, relay.Options{}},
		{"connect, stdin a terminal", Config{}, localTerminal, relay.Options{Interactive: true}},
		{"connect --linger 1s", Config{Idle: sec}, localStream, relay.Options{Idle: sec}},
		{"connect -k: stdin to its EOF", Config{KeepOpen: true}, localStream, relay.Options{Idle: -1}},
		{"connect -q 2", Config{Quit: true, QuitAfter: 2 * sec}, localStream, relay.Options{Quit: true, QuitAfter: 2 * sec}},
		{"connect --no-shutdown", Config{NoShutdown: true}, localStream, relay.Options{NoShutdown: true}},
		{"connect -i 3", Config{IdleTimeout: 3 * sec}, localStream, relay.Options{IdleTimeout: 3 * sec}},
		{"connect -u: wait for replies", Config{UDP: true}, localStream,
			relay.Options{Quit: true, QuitSilent: true, QuitAfter: udpReplyWait}},
		{"connect -u -i 5", Config{UDP: true, IdleTimeout: 5 * sec}, localStream,
			relay.Options{Quit: true, QuitSilent: true, QuitAfter: 5 * sec, IdleTimeout: 5 * sec}},
		{"connect -u -q 1: -q decides", Config{UDP: true, Quit: true, QuitAfter: sec}, localStream,
			relay.Options{Quit: true, QuitAfter: sec}},
		{"connect --send-only: drain", Config{SendOnly: true}, localStream,
			relay.Options{Quit: true, QuitSilent: true, QuitAfter: relay.DefaultIdle}},
		{"connect --send-only --linger 1s", Config{SendOnly: true, Idle: sec}, localStream,
			relay.Options{Idle: sec, Quit: true, QuitSilent: true, QuitAfter: sec}},
		{"listen, stdin a pipe", Config{Listen: true}, localStream, relay.Options{}},
		{"listen -k: not connect's -k", Config{Listen: true, KeepOpen: true}, localStream, relay.Options{}},
		{"listen -u: no reply wait", Config{Listen: true, UDP: true}, localStream, relay.Options{}},
		{"exec child", Config{Listen: true, KeepOpen: true}, localChild,
			relay.Options{Idle: -1, DrainOnOutputGone: true, EndOnPeerGone: true}},
		{"exec child, connect -q 1", Config{Quit: true, QuitAfter: sec}, localChild,
			relay.Options{Idle: -1, Quit: true, QuitAfter: sec, DrainOnOutputGone: true, EndOnPeerGone: true}},
		{"exec child over UDP: ends with its output", Config{Listen: true, UDP: true}, localChild,
			relay.Options{Idle: -1, Quit: true, DrainOnOutputGone: true, EndOnPeerGone: true}},
		{"--inetd relaying to a target", Config{Inetd: true}, localConn,
			relay.Options{Idle: -1, EndOnPeerGone: true}},
		{"exec child --send-only", Config{Listen: true, SendOnly: true}, localChild,
			relay.Options{Idle: -1, Quit: true, QuitSilent: true, QuitAfter: relay.DefaultIdle, DrainOnOutputGone: true, EndOnPeerGone: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy(&tt.cfg, tt.kind); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("policy = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}
