package main

// option is one of ncat's command-line options. The table is the one
// source of what gcat accepts: it drives the argv normaliser (which needs
// to know which options take a value), the urfave/cli flag set, the -h
// text, the man page and the shell completions, so none can disagree.
type option struct {
	long  string // canonical name, used for urfave/cli; "" if short-only
	short byte   // 0 if long-only
	arg   bool   // takes a value
	alias string // another long name for the same option, not shown
	// multi options may be repeated, each value adding to the others
	// (--allow a --allow b), as in ncat.
	multi bool

	// value names the argument in -h and the man page ("command"); set
	// exactly when arg is.
	value string
	// help is the -h description; each "\n" starts a continuation line.
	help string
	// man is the man page's description, in the markup manText reads
	// (`-e` bold, <file> italic, a blank line between paragraphs). If
	// empty, help is used.
	man string
	// values is the fixed set the argument is one of, offered by the
	// completions (--proxy-type http socks4 socks5).
	values []string
	// complete says what completes the argument (none, files, commands).
	complete completion
	// section is the man page's subsection the option is listed under;
	// the table is in section order.
	section string
}

// completion is what a shell offers for an option's argument.
type completion int

const (
	completeNone     completion = iota // nothing to guess: a host, a time
	completeFiles                      // a file name
	completeCommands                   // a command name, then its arguments
)

// name is the option's canonical name: its long name, or its letter.
func (o option) name() string {
	if o.long != "" {
		return o.long
	}
	return string(o.short)
}

// Sections of the man page's OPTIONS, in the table's order.
const (
	secSocket  = "Sockets and addresses"
	secConnect = "Connecting and listening"
	secExec    = "Running a program"
	secStream  = "Ending a stream"
	secOutput  = "Output"
	secLimits  = "Limits and access control"
	secBroker  = "Brokering"
	secProxy   = "Proxies"
	secTLS     = "TLS"
	secInfo    = "Information"
)
