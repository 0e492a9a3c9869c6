// Package telnet speaks the telnet protocol for -t: it takes the telnet
// commands out of the data, so what is read is the text the peer meant,
// and answers the peer's option negotiations.
//
// By default (gcat -t as a client) it enables no option: DO -> WONT,
// WILL -> DONT. Config adds the options an interactive session needs, each
// only where both sides agree (RFC 1143's rules, so no negotiation loops):
// window size (NAWS, RFC 1073) as a client with a terminal or as a server
// in front of a pty, and, on a server in front of a pty, the server's echo
// and character-at-a-time mode that make a plain telnet client a terminal.
// No option is ever started without Config asking for it, so nothing but
// the answers a telnet peer expects is put into a session.
//
// ncat's -t answers only negotiations at the very start of a read and passes
// the commands through; this filter works across read boundaries.
package telnet

import (
	"io"
	"sync"
)

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

// Options (RFC 857, 858, 1073).
const (
	optEcho = 1
	optSGA  = 3
	optNAWS = 31
)

type state int

const (
	data    state = iota
	command       // after IAC
	option        // after IAC WILL/WONT/DO/DONT
	sub           // inside IAC SB ... IAC SE
	subIAC        // IAC inside a subnegotiation
)

// maxSub bounds a kept subnegotiation; longer ones are skipped.
const maxSub = 64

// Config chooses the options a Filter takes part in. The zero value
// refuses every option.
type Config struct {
	// WindowSize, if set, makes the filter a NAWS client: it answers a
	// server's DO NAWS with WILL NAWS and the size WindowSize returns, and
	// Resize sends later sizes. If nil, DO NAWS is refused. It is called
	// with the filter locked: it must not call the Filter.
	WindowSize func() (width, height uint16)

	// OnWindowSize, if set, makes the filter a NAWS server: Offer sends
	// DO NAWS, and each size the client reports is passed to OnWindowSize,
	// from the goroutine that calls Read. A zero width or height means the
	// client does not know it (RFC 1073).
	OnWindowSize func(width, height uint16)

	// Terminal says that the data read is typed into a terminal (a pty
	// child) whose echo the peer sees: Offer sends WILL ECHO and WILL SGA,
	// so that the client stops echoing and sends each key as it is typed,
	// and the end of line a client sends for Enter (CR LF or CR NUL, RFC
	// 854) is passed on as the CR that a terminal's Enter key sends.
	Terminal bool
}

// Filter reads a telnet stream, answering negotiations on reply.
type Filter struct {
	r     io.Reader
	reply io.Writer
	cfg   Config

	// The parser is only used by Read.
	st    state
	verb  byte
	sub   []byte // option and data of the current subnegotiation
	cr    bool   // the last data byte was CR (Terminal)
	sizes [][2]uint16

	mu      sync.Mutex // guards the option states and writes to reply
	him, us [256]qstate
	answers []byte
}

// NewFilter returns a Filter that refuses every option, reading r and
// writing answers to reply (the connection r reads).
func NewFilter(r io.Reader, reply io.Writer) *Filter {
	return New(r, reply, Config{})
}

// New returns a Filter taking part in the options cfg asks for.
func New(r io.Reader, reply io.Writer, cfg Config) *Filter {
	return &Filter{r: r, reply: reply, cfg: cfg}
}

// Read returns the data bytes of the stream, without telnet commands. It
// does not return (0, nil) for a read that held only commands: it reads on.
func (f *Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		out, werr := f.filter(p[:n])
		if werr != nil && err == nil {
			err = werr
		}
		for _, s := range f.sizes {
			f.cfg.OnWindowSize(s[0], s[1])
		}
		f.sizes = f.sizes[:0]
		if out > 0 || err != nil || n == 0 {
			return out, err
		}
	}
}

// filter removes commands from b in place, sends the answers and returns
// the data length.
func (f *Filter) filter(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := 0
	for _, c := range b {
		switch f.st {
		case data:
			if c == iac {
				f.st = command
				continue
			}
			if f.cfg.Terminal && f.cr && (c == '\n' || c == 0) {
				f.cr = false
				continue
			}
			f.cr = c == '\r'
			b[w] = c
			w++
		case command:
			f.st = data
			switch c {
			case iac: // an escaped 255 is data
				f.cr = false
				b[w] = c
				w++
			case will, wont, do, dont:
				f.verb, f.st = c, option
			case sb:
				f.st, f.sub = sub, f.sub[:0]
			}
			// NOP, GA, AYT and the like: nothing to do
		case option:
			f.negotiate(f.verb, c)
			f.st = data
		case sub:
			if c == iac {
				f.st = subIAC
			} else {
				f.subByte(c)
			}
		case subIAC:
			switch c {
			case se:
				f.subEnd()
				f.st = data
			case iac:
				f.subByte(c)
				f.st = sub
			default: // not valid inside SB; skip it
				f.st = sub
			}
		}
	}
	return w, f.flush()
}

func (f *Filter) subByte(c byte) {
	if len(f.sub) <= maxSub {
		f.sub = append(f.sub, c)
	}
}

// subEnd acts on a complete subnegotiation: a window size the filter asked
// for.
func (f *Filter) subEnd() {
	s := f.sub
	if len(s) == 5 && s[0] == optNAWS && f.cfg.OnWindowSize != nil && f.him[optNAWS] != no {
		w := uint16(s[1])<<8 | uint16(s[2])
		h := uint16(s[3])<<8 | uint16(s[4])
		f.sizes = append(f.sizes, [2]uint16{w, h})
	}
}

// flush sends the answers gathered; f.mu is held.
func (f *Filter) flush() error {
	if len(f.answers) == 0 {
		return nil
	}
	_, err := f.reply.Write(f.answers)
	f.answers = f.answers[:0]
	return err
}
