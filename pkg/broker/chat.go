package broker

import (
	"net"
	"strconv"
)

// localUser is the number chat gives gcat's own input: ncat's is stdin's
// fd, 0.
const localUser = 0

// chatMessage is what ncat's chat_filter makes of one read: a "<userN> "
// prefix (per read, not per line: a line split across two reads gets two
// prefixes, and a read without a newline gets none added), and every byte
// that is neither printable ASCII nor \r, \n or \t written as a backslash
// and three octal digits. Backslash itself is not escaped.
func chatMessage(user int, p []byte) []byte {
	n := len("<user> ") + 20 + len(p)
	for _, c := range p {
		if !printable(c) {
			n += 3
		}
	}
	out := make([]byte, 0, n)
	out = append(out, "<user"...)
	out = strconv.AppendInt(out, int64(user), 10)
	out = append(out, "> "...)
	for _, c := range p {
		if printable(c) {
			out = append(out, c)
			continue
		}
		out = append(out, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
	}
	return out
}

// printable is C's isprint in the C locale, plus the three controls ncat
// lets through.
func printable(c byte) bool {
	return ' ' <= c && c <= '~' || c == '\r' || c == '\n' || c == '\t'
}

// connectNotice is ncat's announcement of newcomer c, sent to everyone,
// c included: its address and number, then the others in order of number.
func connectNotice(c *client, users []*client) []byte {
	out := []byte("<announce> ")
	out = append(out, host(c.conn.RemoteAddr())...)
	out = append(out, " is connected as <user"...)
	out = strconv.AppendInt(out, int64(c.id), 10)
	out = append(out, ">.\n<announce> already connected: "...)
	n := 0
	for _, u := range users {
		if u == nil || u == c {
			continue
		}
		if n > 0 {
			out = append(out, ", "...)
		}
		out = append(out, host(u.conn.RemoteAddr())...)
		out = append(out, " as <user"...)
		out = strconv.AppendInt(out, int64(u.id), 10)
		out = append(out, '>')
		n++
	}
	if n == 0 {
		out = append(out, "nobody"...)
	}
	return append(out, ".\n"...)
}

// disconnectNotice is ncat's announcement that a client has gone.
func disconnectNotice(id int) []byte {
	return []byte("<announce> <user" + strconv.Itoa(id) + "> is disconnected.\n")
}

// host is how ncat's socktop(addr, 0) shows a peer: the address alone,
// without port, brackets or IPv6 zone.
func host(a net.Addr) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case nil:
		return "unknown"
	}
	return a.String()
}
