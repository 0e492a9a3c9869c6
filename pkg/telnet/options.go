package telnet

// qstate is one side of an option (RFC 1143, without the queue: this side
// never asks to disable an option it enabled).
type qstate uint8

const (
	no      qstate = iota
	yes            // enabled
	wantYes        // asked for, no answer yet
)

// Offer starts the negotiations a server asks for: DO NAWS with
// OnWindowSize, WILL ECHO and WILL SGA with Terminal. It sends nothing
// for a zero Config. Call it once, before data flows.
func (f *Filter) Offer() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cfg.OnWindowSize != nil && f.him[optNAWS] == no {
		f.him[optNAWS] = wantYes
		f.answers = append(f.answers, iac, do, optNAWS)
	}
	if f.cfg.Terminal {
		for _, o := range []byte{optEcho, optSGA} {
			if f.us[o] == no {
				f.us[o] = wantYes
				f.answers = append(f.answers, iac, will, o)
			}
		}
	}
	return f.flush()
}

// Resize sends a new window size if the server asked for it (DO NAWS) and
// the filter agreed; otherwise it sends nothing.
func (f *Filter) Resize(width, height uint16) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.us[optNAWS] != yes {
		return nil
	}
	f.answers = AppendNAWS(f.answers, width, height)
	return f.flush()
}

// AppendNAWS appends the subnegotiation that reports a window size (RFC
// 1073), with IAC doubled, to b.
func AppendNAWS(b []byte, width, height uint16) []byte {
	b = append(b, iac, sb, optNAWS)
	for _, c := range []byte{byte(width >> 8), byte(width), byte(height >> 8), byte(height)} {
		b = append(b, c)
		if c == iac {
			b = append(b, iac)
		}
	}
	return append(b, iac, se)
}

// acceptHim says whether the peer may enable o on its side (its WILL).
func (f *Filter) acceptHim(o byte) bool {
	switch o {
	case optNAWS:
		return f.cfg.OnWindowSize != nil
	case optSGA: // the client sends no GA either
		return f.cfg.Terminal
	}
	return false
}

// acceptUs says whether this side enables o when the peer asks (its DO).
func (f *Filter) acceptUs(o byte) bool {
	switch o {
	case optNAWS:
		return f.cfg.WindowSize != nil
	case optEcho, optSGA:
		return f.cfg.Terminal
	}
	return false
}

// negotiate answers verb for option o; f.mu is held. Requests are answered
// once; the answer to a request of ours, and a request for the state the
// option is already in, are not answered, so no loop can start.
func (f *Filter) negotiate(verb, o byte) {
	switch verb {
	case will:
		switch f.him[o] {
		case no:
			if f.acceptHim(o) {
				f.him[o] = yes
				f.answers = append(f.answers, iac, do, o)
			} else {
				f.answers = append(f.answers, iac, dont, o)
			}
		case wantYes:
			f.him[o] = yes
		}
	case wont:
		switch f.him[o] {
		case yes:
			f.him[o] = no
			f.answers = append(f.answers, iac, dont, o)
		case wantYes:
			f.him[o] = no
		}
	case do:
		switch f.us[o] {
		case no:
			if !f.acceptUs(o) {
				f.answers = append(f.answers, iac, wont, o)
				return
			}
			f.answers = append(f.answers, iac, will, o)
			f.enabled(o)
		case wantYes:
			f.enabled(o)
		}
	case dont:
		switch f.us[o] {
		case yes:
			f.us[o] = no
			f.answers = append(f.answers, iac, wont, o)
		case wantYes:
			f.us[o] = no
		}
	}
}

// enabled marks o enabled on this side and does what that entails.
func (f *Filter) enabled(o byte) {
	f.us[o] = yes
	if o == optNAWS {
		w, h := f.cfg.WindowSize()
		f.answers = AppendNAWS(f.answers, w, h)
	}
}
