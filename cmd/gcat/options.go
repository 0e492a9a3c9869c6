package main

// option is one of ncat's command-line options. The table drives both the
// argv normaliser (which needs to know which options take a value) and the
// urfave/cli flag set, so the two cannot disagree.
type option struct {
	long  string // canonical name, used for urfave/cli; "" if short-only
	short byte   // 0 if long-only
	arg   bool   // takes a value
	alias string // another long name for the same option
	// multi options may be repeated, each value adding to the others
	// (--allow a --allow b), as in ncat.
	multi bool
}

// name is the option's canonical name: its long name, or its letter.
func (o option) name() string {
	if o.long != "" {
		return o.long
	}
	return string(o.short)
}

// options is ncat 7.99's option set plus gcat's own (--linger, --rate,
// --rate-in, --rate-out, --progress).
var options = []option{
	{long: "ipv4", short: '4'},
	{long: "ipv6", short: '6'},
	{long: "unixsock", short: 'U'},
	{long: "listen", short: 'l'},
	{long: "keep-open", short: 'k'},
	{long: "exec", short: 'e', arg: true},
	{long: "sh-exec", short: 'c', arg: true},
	{long: "nodns", short: 'n'},
	{long: "source", short: 's', arg: true},
	{long: "source-port", short: 'p', arg: true},
	{long: "wait", short: 'w', arg: true},
	{long: "verbose", short: 'v'},
	{long: "no-shutdown"},
	{short: 'q', arg: true},
	{long: "linger", arg: true},
	{long: "rate", arg: true},
	{long: "rate-in", arg: true},
	{long: "rate-out", arg: true},
	{long: "progress"},
	{long: "help", short: 'h'},
	{long: "version"},

	{long: "udp", short: 'u'},
	{long: "sctp"},
	{long: "vsock"},
	{long: "crlf", short: 'C'},
	{long: "lua-exec", arg: true},
	{short: 'g', arg: true},
	{short: 'G', arg: true},
	{long: "max-conns", short: 'm', arg: true},
	{long: "delay", short: 'd', arg: true},
	{long: "output", short: 'o', arg: true},
	{long: "hex-dump", short: 'x', arg: true},
	{long: "idle-timeout", short: 'i', arg: true},
	{long: "telnet", short: 't'},
	{short: 'z'},
	{long: "append-output"},
	{long: "send-only"},
	{long: "recv-only"},
	{long: "allow", arg: true, multi: true},
	{long: "allowfile", arg: true, multi: true},
	{long: "deny", arg: true, multi: true},
	{long: "denyfile", arg: true, multi: true},
	{long: "broker"},
	{long: "chat", alias: "talk"},
	{long: "proxy", arg: true},
	{long: "proxy-type", arg: true},
	{long: "proxy-auth", arg: true},
	{long: "proxy-dns", arg: true},
	{long: "ssl"},
	{long: "ssl-cert", arg: true},
	{long: "ssl-key", arg: true},
	{long: "ssl-verify"},
	{long: "ssl-trustfile", arg: true},
	{long: "ssl-ciphers", arg: true},
	{long: "ssl-servername", arg: true},
	{long: "ssl-alpn", arg: true},
}
