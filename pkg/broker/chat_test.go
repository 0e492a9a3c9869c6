package broker

import (
	"net"
	"testing"
)

// The expectations below are ncat 7.93's bytes for the same input.
func TestChatMessage(t *testing.T) {
	tests := []struct {
		user int
		in   string
		want string
	}{
		{4, "hello\n", "<user4> hello\n"},
		{0, "from stdin\n", "<user0> from stdin\n"},
		{5, "partial", "<user5> partial"},
		{5, " rest\nline2\nline3", "<user5>  rest\nline2\nline3"},
		{5, "\x01\x1b\x7f\xff\r\tx\x00\x80\xa0\\\n", `<user5> \001\033\177\377` + "\r\tx" + `\000\200\240\` + "\n"},
		{12345, "", "<user12345> "},
	}
	for _, tt := range tests {
		if got := string(chatMessage(tt.user, []byte(tt.in))); got != tt.want {
			t.Errorf("chatMessage(%d, %q) = %q, want %q", tt.user, tt.in, got, tt.want)
		}
	}
}

func TestChatMessageEscapesEveryByte(t *testing.T) {
	for c := range 256 {
		got := string(chatMessage(1, []byte{byte(c)}))[len("<user1> "):]
		switch {
		case c == '\r' || c == '\n' || c == '\t' || ' ' <= c && c <= '~':
			if got != string(rune(c)) {
				t.Errorf("byte %#x became %q, want it as is", c, got)
			}
		case len(got) != 4 || got[0] != '\\' || (got[1]-'0')<<6|(got[2]-'0')<<3|(got[3]-'0') != byte(c):
			t.Errorf("byte %#x became %q, want \\ and three octal digits", c, got)
		}
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}, "127.0.0.1"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 5555}, "::1"}, // measured: "<announce> ::1 is connected as <user6>."
		{&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 1, Zone: "eth0"}, "fe80::1"},
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, "/tmp/s"},
		{nil, "unknown"},
	}
	for _, tt := range tests {
		if got := host(tt.addr); got != tt.want {
			t.Errorf("host(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestOwnBytesDoNotCountAsLag checks that a client busy sending while its
// writer is blocked is not dropped for the bytes it sent itself, which it
// is never due.
func TestOwnBytesDoNotCountAsLag(t *testing.T) {
	b := New(Options{MaxQueue: 100})
	c := &client{b: b, pos: b.tail, writing: true} // as if blocked in a write
	other := &client{b: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	appendMsg := func(from *client, n int) *message {
		m := &message{data: make([]byte, n), from: from, end: b.tail.end + int64(n)}
		b.tail.next.Store(m)
		b.tail = m
		return m
	}
	for range 10 {
		if c.notify(appendMsg(c, 1000), b.maxQueue) {
			t.Fatal("dropped for its own 1000 bytes")
		}
	}
	if c.notify(appendMsg(other, 100), b.maxQueue) {
		t.Fatal("dropped at exactly MaxQueue bytes due")
	}
	if !c.notify(appendMsg(other, 1), b.maxQueue) {
		t.Fatal("not dropped at MaxQueue+1 bytes due")
	}
}
