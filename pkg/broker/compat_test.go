package broker

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the real ncat")

// brokerScript exercises ncat's --broker. Tokens in parentheses make each
// message easy to wait for.
var brokerScript = []event{
	// Typed while nobody is connected: ncat leaves it in the pipe, and
	// the first client to come gets it.
	{op: local, data: "typed before anyone came (l0)\n"},
	{op: connect, who: "A", wait: wait("A", "(l0)")},
	{op: connect, who: "B"},
	{op: send, who: "B", data: "B here (m1)\n", wait: wait("A", "(m1)")},
	{op: connect, who: "C"},
	{op: send, who: "C", data: "C here (m2)\n", wait: wait("A", "(m2)", "B", "(m2)")},
	{op: send, who: "A", data: "hello (m3)\n", wait: wait("B", "(m3)", "C", "(m3)")},
	{op: send, who: "A", data: "partial (m4)", wait: wait("B", "(m4)", "C", "(m4)")},
	{op: send, who: "B", data: "\x00\x01\x1b\x7f\x80\xff\r\n\\ (m5)\n", wait: wait("A", "(m5)", "C", "(m5)")},
	{op: local, data: "from stdin \x01\xff (l1)\n", wait: wait("A", "(l1)", "B", "(l1)", "C", "(l1)")},
	{op: hangup, who: "B"},
	// A half-close ends the client: ncat closes it.
	{op: shutdown, who: "C", wait: wait("C", eof)},
	{op: connect, who: "D"},
	{op: send, who: "D", data: "D here (m6)\n", wait: wait("A", "(m6)")},
	// Local EOF changes nothing.
	{op: localEOF},
	{op: send, who: "A", data: "after local EOF (m7)\n", wait: wait("D", "(m7)")},
	{op: connect, who: "E"},
	{op: send, who: "E", data: "E here (m8)\n", wait: wait("A", "(m8)", "D", "(m8)")},
	{op: send, who: "A", data: "bye (m9)\n", wait: wait("D", "(m9)", "E", "(m9)")},
}

// chatScript exercises ncat's --chat, listening on one address: the first
// client is <user4>.
var chatScript = []event{
	{op: local, data: "typed before anyone came (l0)\n"},
	{op: connect, who: "A", wait: wait("A", "already connected", "A", "(l0)")},
	{op: connect, who: "B", wait: wait("A", "already connected", "B", "already connected")},
	{op: connect, who: "C", wait: wait("A", "already connected", "B", "already connected", "C", "already connected")},
	{op: send, who: "A", data: "hello from A (m1)\n", wait: wait("B", "(m1)", "C", "(m1)")},
	// One prefix per read, not per line.
	{op: send, who: "A", data: "partial (m2)", wait: wait("B", "(m2)", "C", "(m2)")},
	{op: send, who: "A", data: " rest\nline2\nline3 (m3)", wait: wait("B", "(m3)", "C", "(m3)")},
	{op: send, who: "B", data: "\x01\x1b\x7f\xff\r\tx\x00\x80\xa0\\ (m4)\n", wait: wait("A", "(m4)", "C", "(m4)")},
	{op: local, data: "from stdin \x01\xff (l1)\n", wait: wait("A", "(l1)", "B", "(l1)", "C", "(l1)")},
	{op: hangup, who: "B", wait: wait("A", "is disconnected", "C", "is disconnected")},
	// D takes B's number, the lowest free.
	{op: connect, who: "D", wait: wait("A", "already connected", "C", "already connected", "D", "already connected")},
	{op: shutdown, who: "C", wait: wait("C", eof, "A", "is disconnected", "D", "is disconnected")},
	{op: localEOF},
	{op: send, who: "A", data: "after local EOF (m5)\n", wait: wait("D", "(m5)")},
	{op: connect, who: "E", wait: wait("A", "already connected", "D", "already connected", "E", "already connected")},
	// 20,006 bytes in one write: ncat reads 8192 at a time, one prefix each.
	{op: send, who: "E", data: strings.Repeat("0123456789", 2000) + " (m6)\n", wait: wait("A", "(m6)", "D", "(m6)")},
	{op: send, who: "A", data: "bye (m7)\n", wait: wait("D", "(m7)", "E", "(m7)")},
}

// sendOnlyScript exercises ncat's --broker --send-only: local input goes
// to every client, clients' data to no one, and a client's half-close does
// not end it (ncat does not read its clients).
var sendOnlyScript = []event{
	{op: connect, who: "A"},
	{op: joined, clients: 1},
	{op: local, data: "to A (l0)\n", wait: wait("A", "(l0)")},
	{op: connect, who: "B"},
	{op: joined, clients: 2},
	{op: send, who: "A", data: "A talks (m1)\n"},
	{op: local, data: "to both (l1)\n", wait: wait("A", "(l1)", "B", "(l1)")},
	{op: send, who: "B", data: "B talks (m2)\n"},
	{op: shutdown, who: "A"},
	{op: local, data: "still to both (l2)\n", wait: wait("A", "(l2)", "B", "(l2)")},
	{op: hangup, who: "B"},
	{op: local, data: "to A (l3)\n", wait: wait("A", "(l3)")},
}

// recvOnlyScript exercises --recv-only, for --broker and --chat alike:
// nothing reaches any client, not even an announcement, and a client's
// half-close ends it.
var recvOnlyScript = []event{
	{op: connect, who: "A"},
	{op: joined, clients: 1},
	{op: local, data: "nobody gets this (l0)\n"},
	{op: connect, who: "B"},
	{op: joined, clients: 2},
	{op: send, who: "A", data: "A talks (m1)\n"},
	{op: send, who: "B", data: "B talks (m2)\n"},
	{op: shutdown, who: "A", wait: wait("A", eof)},
	{op: connect, who: "C"},
	{op: joined, clients: 3},
	{op: send, who: "C", data: "C talks (m3)\n"},
}

var compatCases = []struct {
	name    string
	opt     Options
	args    []string // ncat's
	fixture string
	script  []event
}{
	{"broker", Options{}, []string{"--broker"}, "broker.golden", brokerScript},
	{"chat", Options{Chat: true}, []string{"--chat"}, "chat.golden", chatScript},
	{"broker send-only", Options{SendOnly: true}, []string{"--broker", "--send-only"}, "broker-send-only.golden", sendOnlyScript},
	{"broker recv-only", Options{RecvOnly: true}, []string{"--broker", "--recv-only"}, "broker-recv-only.golden", recvOnlyScript},
	{"chat recv-only", Options{Chat: true, RecvOnly: true}, []string{"--chat", "--recv-only"}, "chat-recv-only.golden", recvOnlyScript},
}

func TestMatchesNcatFixtures(t *testing.T) {
	for _, tc := range compatCases {
		t.Run(tc.name, func(t *testing.T) {
			opt := tc.opt
			opt.FirstUser = 4
			srv := startGcat(t, opt)
			got := formatStreams(runScript(t, srv, tc.script))
			if want := readFixture(t, tc.fixture); got != want {
				t.Errorf("gcat differs from ncat's recording in testdata/%s\ngot:\n%s\nwant:\n%s", tc.fixture, got, want)
			}
		})
	}
}

func TestNcatLive(t *testing.T) {
	for _, tc := range compatCases {
		t.Run(tc.name, func(t *testing.T) {
			want := formatStreams(runScript(t, startNcat(t, tc.args...), tc.script))
			if *update {
				if err := os.WriteFile("testdata/"+tc.fixture, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opt := tc.opt
			opt.FirstUser = 4
			got := formatStreams(runScript(t, startGcat(t, opt), tc.script))
			if got != want {
				t.Errorf("gcat differs from the live ncat\ngcat:\n%s\nncat:\n%s", got, want)
			}
		})
	}
}
