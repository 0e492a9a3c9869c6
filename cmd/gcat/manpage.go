package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// manDate is the man page's date: change it when the page's text changes.
const manDate = "2026-12-04"

// renderMan writes gcat(1) in man(7) markup: the options from the table,
// the rest from manHead and manTail.
func renderMan(opts []option) string {
	var b strings.Builder
	fmt.Fprintf(&b, manHead, manDate)
	section := ""
	for _, o := range opts {
		if o.section != section {
			section = o.section
			fmt.Fprintf(&b, ".SS %s\n", section)
		}
		b.WriteString(".TP\n" + manSpec(o) + "\n")
		text := o.man
		if text == "" {
			text = strings.ReplaceAll(o.help, "\n", " ") + "."
		}
		for i, para := range strings.Split(text, "\n\n") {
			if i > 0 {
				b.WriteString(".IP\n")
			}
			b.WriteString(manText(para) + "\n")
		}
	}
	b.WriteString(manTail)
	return wrapRoff(b.String(), manWidth)
}

// manWidth bounds the source's text lines, as man pages keep them.
const manWidth = 80

// wrapRoff breaks text lines (not requests) longer than width between
// words; roff joins them again when it fills the paragraph.
func wrapRoff(page string, width int) string {
	var out []string
	for _, l := range strings.Split(page, "\n") {
		if len(l) <= width || strings.HasPrefix(l, ".") {
			out = append(out, l)
			continue
		}
		out = append(out, wrapHelp(l, width)...)
	}
	return strings.Join(out, "\n")
}

// manSpec is an option's forms in bold and its value in italics:
// "\fB\-e\fR, \fB\-\-exec\fR \fIcommand\fR".
func manSpec(o option) string {
	var forms []string
	if o.short != 0 {
		forms = append(forms, `\fB\-`+string(o.short)+`\fR`)
	}
	if o.long != "" {
		forms = append(forms, `\fB\-\-`+manEscape(o.long)+`\fR`)
	}
	s := strings.Join(forms, ", ")
	if o.value != "" {
		s += ` \fI` + manEscape(o.value) + `\fR`
	}
	return s
}

// The man page's patterns are compiled when a page is made, not at every
// start.
var (
	manCode   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("`([^`]*)`") })
	manVar    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<([a-z][a-z:\[\]]*)>`) })
	manPeriod = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`([.!?]) +([A-Z<` + "`" + `])`) })
)

// manText turns a description from the table into man(7) text: `code` in
// bold, <value> in italics, one sentence per line (as man pages keep
// their source), and roff's special characters escaped.
func manText(s string) string {
	s = manEscape(s)
	s = manPeriod().ReplaceAllString(s, "$1\n$2")
	s = manCode().ReplaceAllStringFunc(s, func(m string) string {
		return `\fB` + strings.ReplaceAll(m[1:len(m)-1], "-", `\-`) + `\fR`
	})
	s = manVar().ReplaceAllString(s, `\fI$1\fR`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l // not a request
		}
	}
	return strings.Join(lines, "\n")
}

// manEscape escapes roff's backslash.
func manEscape(s string) string { return strings.ReplaceAll(s, `\`, `\e`) }

const manHead = `.\" gcat(1): generated from cmd/gcat/optiontable.go and manpage.go by
.\" "make docs"; edit those, not this file.
.TH GCAT 1 %s gcat "User Commands"
.SH NAME
gcat \- an ncat\-compatible networking multitool with loss\-free half\-close
.SH SYNOPSIS
.B gcat
.RI [ options ]
.RI [ hostname ]
.RI [ port ]
.br
.B gcat \-l
.RI [ options ]
.RI [ address ]
.RI [ port ]
.br
.B gcat \-U
.RI [ options ]
.I path
.SH DESCRIPTION
.B gcat
reads and writes data across network connections, from the command line and in scripts:
TCP, UDP, Unix domain and vsock sockets, TLS and DTLS, through HTTP and SOCKS proxies.
It connects to a
.I hostname
and
.IR port ,
or with
.B \-l
listens for connections; with
.B \-e
or
.B \-c
it runs a program for each connection, the program's standard input and output connected to the peer.
Its options are ncat's, and so are its messages, defaults and exit statuses;
what ncat loses when a stream ends, gcat delivers (see
.BR HALF\-CLOSE ).
.PP
Options and operands may come in any order, as with getopt:
clusters
.RB ( \-lvkp
.IR port ),
attached values
.RB ( \-w5 ),
.BI \-\- opt = value
and unambiguous prefixes of long names
.RB ( \-\-keep ).
.B \-\-
ends the options; a lone
.B \-
is an operand.
Without a port, the port is 31337.
.SH OPTIONS
Options taking a
.I time
take a number of seconds, or a number followed by
.BR ms ,
.BR s ,
.B m
or
.B h
(500ms, 1.5s).
`

const manTail = `.SH HALF\-CLOSE
A connection carries two streams, one each way, and each ends on its own.
gcat passes each end on and keeps the other stream flowing until it ends too; no byte is lost.
.IP 1. 4
The input (standard input, or a child's output) ends: gcat shuts down the socket's sending side
(unless
.BR \-\-no\-shutdown ),
and goes on copying from the socket.
.IP 2. 4
The peer ends its stream: gcat closes its standard output (or the child's standard input),
so the reader sees the end and can answer; the other way goes on.
.IP 3. 4
The connection is over when both streams have ended.
.IP 4. 4
When the peer has ended and the input stays idle, gcat exits at once for a terminal,
and after
.B \-\-linger
(250ms) for a pipe; as soon as a write fails because the peer is gone, too.
.PP
TLS ends a stream with close_notify, then the TCP shutdown.
A child whose output stays silent for 2 seconds after it exited is taken to have ended it
(a process it left behind may hold it open).
When a connection ends, its child gets 2 seconds to exit, then is sent SIGTERM with the
processes it started (its process group; on Windows, its job object), and 2 seconds later SIGKILL.
Children are always reaped.
.SH LIMITS
In listen mode a client must finish its handshake (TLS, DTLS, its request to a proxy server)
within one deadline,
.B \-\-handshake\-timeout
(10s), however slowly it sends.
Clients still in their handshake do not count against
.BR \-m ;
past 1024 of them the oldest is shed for a newcomer.
.B \-m
counts connections being served.
Refusals and sheds are logged at
.BR \-v ,
at most 10 lines a second.
A peer that resets ends its connection and child at once; a child still writing then dies of
SIGPIPE.
Running out of file descriptors is logged once, and serving resumes when they are free.
A failed write of
.BR \-o ,
.B \-x
or standard output ends gcat with status 1.
.SH SOCKET ACTIVATION
When systemd (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES) or upstart (UPSTART_FDS) hands gcat
listening sockets,
.B gcat \-l
with no address and no port serves them instead of binding, with everything listen mode offers;
datagram sockets with
.BR \-u .
Each socket is checked before use; what does not fit is refused with exit status 2.
The variables are removed before a child starts, and a Unix socket file is left to the manager.
.PP
With
.BR \-\-inetd ,
standard input is the connection inetd, xinetd or systemd (Accept=yes, StandardInput=socket)
accepted: gcat serves it as listen mode serves an accepted one, with the child of
.B \-e
or relayed to
.I host port
with half-close, and exits.
.IP
.EX
systemd\-socket\-activate \-l 7777 gcat \-lk \-e '/usr/bin/tr a\-z A\-Z'
systemd\-socket\-activate \-a \-\-inetd \-l 7777 gcat \-\-inetd \-e /bin/cat
.EE
.SH REMOTE SHELLS
.B \-\-pty
runs the child of
.B \-e
or
.B \-c
on a pseudo-terminal, so that shells, editors and REPLs work;
.B \-\-raw
puts the local terminal in raw mode, so that every key reaches them (type ~. at the start of a
line to quit);
.B \-T
adds the window size, sent with telnet's NAWS to a
.B "\-t \-\-pty"
server.
.IP
.EX
gcat \-lk \-t \-\-pty \-e /bin/bash 127.0.0.1 4444
gcat \-T 127.0.0.1 4444
.EE
.PP
A shell on a port is a backdoor for whoever reaches it: listen on loopback or a Unix socket, or
use
.B \-\-ssl \-\-ssl\-verify
with client certificates, and
.BR \-\-allow .
.SH EXIT STATUS
.TP
.B 0
The session ended in order.
.TP
.B 1
A network failure: connection refused, timed out, no such host, address in use, reset;
with
.BR \-z ,
a closed port.
.TP
.B 2
A usage error, an option this system does not support, or a file or program on the command
line that cannot be used (a missing
.B \-e
program, a certificate that does not load), with one line on standard error.
.TP
.B 128 + \fIn\fR
gcat was ended by signal
.I n
(130 for SIGINT).
.TP
.B 141
Standard output's reader went away (as a program killed by SIGPIPE).
.SH ENVIRONMENT
A program run by
.BR \-e ,
.B \-c
or
.B \-\-lua\-exec
gets gcat's environment and ncat's variables:
.TP
.B NCAT_REMOTE_ADDR\fR, \fBNCAT_REMOTE_PORT
The peer's address and port.
.TP
.B NCAT_LOCAL_ADDR\fR, \fBNCAT_LOCAL_PORT
The local address and port of the connection.
.TP
.B NCAT_PROTO
TCP or UDP.
.PP
On Unix sockets the addresses are localhost and the ports empty, as in ncat.
.PP
gcat reads:
.TP
.B NCAT_PROXY_AUTH
The proxy credentials, user:password, when
.B \-\-proxy\-auth
is not given.
.TP
.B TMPDIR
Where a Unix datagram client makes its socket.
.SH PLATFORMS
gcat runs on Linux, macOS, FreeBSD, OpenBSD, NetBSD and Windows.
.B \-\-vsock
is Linux only.
Windows has no Unix datagram sockets
.RB ( "\-U \-u" );
there
.B \-c
runs
.BR "cmd.exe /C" ,
and a child and what it started are ended through a job object.
What a system lacks is refused with one line and exit status 2, as in
.IP
gcat: \-\-vsock is not supported on darwin
.SH EXAMPLES
Send a file, and receive it:
.IP
.EX
gcat \-l 9999 > file
gcat host 9999 < file
.EE
.PP
Serve a program, a child per connection:
.IP
.EX
gcat \-lk 8000 \-e ./handler
gcat \-lk 8000 \-c 'tr a\-z A\-Z'
.EE
.PP
Talk HTTP, and read the whole answer:
.IP
.EX
printf 'GET / HTTP/1.0\er\en\er\en' | gcat example.com 80
.EE
.PP
TLS, verifying the certificate; a TLS server with a temporary certificate:
.IP
.EX
gcat \-\-ssl\-verify example.com 443
gcat \-lk 8443 \-\-ssl \-e ./handler
.EE
.PP
Through a SOCKS5 proxy; an HTTP proxy server for the local network:
.IP
.EX
gcat \-\-proxy 10.0.0.1:1080 \-\-proxy\-type socks5 host 22
gcat \-l 3128 \-\-proxy\-type http \-\-allow 192.168.0.0/16
.EE
.PP
Is the port open?
.IP
.EX
gcat \-z \-w 2 host 443 && echo open
.EE
.PP
A chat server:
.IP
.EX
gcat \-\-chat 9000
.EE
.SH SEE ALSO
.BR nc (1),
.BR ncat (1),
.BR socat (1)
`
