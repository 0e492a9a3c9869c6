// Package telnet lets gcat talk to telnet servers (-t): it answers their
// option negotiations as a client that enables no option (DO -> WONT,
// WILL -> DONT) and takes the telnet commands out of the data, so what
// reaches stdout is the text the server meant.
//
// ncat's -t answers only negotiations at the very start of a read and passes
// the commands through; this filter works across read boundaries and never
// answers DONT or WONT, so it cannot start a negotiation loop (RFC 1143).
package telnet

import "io"

// Telnet command bytes (RFC 854).
const (
	se   = 240
	sb   = 250
	will = 251
	wont = 252
	do   = 253
	dont = 254
	iac  = 255
)

type state int

const (
	data    state = iota
	command       // after IAC
	option        // after IAC WILL/WONT/DO/DONT
	sub           // inside IAC SB ... IAC SE
	subIAC        // IAC inside a subnegotiation
)

// Filter reads a telnet stream, answering negotiations on reply.
type Filter struct {
	r     io.Reader
	reply io.Writer
	st    state
	verb  byte
}

// NewFilter returns a Filter reading r and writing answers to reply (the
// connection r reads).
func NewFilter(r io.Reader, reply io.Writer) *Filter {
	return &Filter{r: r, reply: reply}
}

// Read returns the data bytes of the stream, without telnet commands. It
// does not return (0, nil) for a read that held only commands: it reads on.
func (f *Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		out, answers := f.filter(p[:n])
		if len(answers) > 0 {
			if _, werr := f.reply.Write(answers); werr != nil && err == nil {
				err = werr
			}
		}
		if out > 0 || err != nil || n == 0 {
			return out, err
		}
	}
}

// filter removes commands from b in place and returns the data length and
// the answers to send.
func (f *Filter) filter(b []byte) (int, []byte) {
	var answers []byte
	w := 0
	for _, c := range b {
		switch f.st {
		case data:
			if c == iac {
				f.st = command
				continue
			}
			b[w] = c
			w++
		case command:
			switch c {
			case iac: // an escaped 255 is data
				b[w] = c
				w++
				f.st = data
			case will, wont, do, dont:
				f.verb, f.st = c, option
			case sb:
				f.st = sub
			default: // NOP, GA, AYT and the like: nothing to do
				f.st = data
			}
		case option:
			switch f.verb {
			case do:
				answers = append(answers, iac, wont, c)
			case will:
				answers = append(answers, iac, dont, c)
			}
			f.st = data
		case sub:
			if c == iac {
				f.st = subIAC
			}
		case subIAC:
			if c == se {
				f.st = data
			} else {
				f.st = sub
			}
		}
	}
	return w, answers
}
