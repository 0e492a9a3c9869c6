package main

// options is ncat 7.99's option set plus gcat's own (--linger, --rate,
// --rate-in, --rate-out, --progress), in -h order. See option for the
// fields and manText for the markup of man.
var options = []option{
	{long: "ipv4", short: '4', section: secSocket, help: "Use IPv4 only"},
	{long: "ipv6", short: '6', section: secSocket, help: "Use IPv6 only"},
	{long: "unixsock", short: 'U', section: secSocket, help: "Use Unix domain sockets",
		man: "Use a Unix stream socket; the operand is its path. A socket file gcat creates is removed " +
			"when it exits. `-p`, `--ssl` and `--proxy` cannot be used with `-U`."},
	{long: "udp", short: 'u', section: secSocket, help: "Use UDP (with -U: Unix datagram sockets)",
		man: "Use datagrams: UDP, or with `-U` Unix datagram sockets. Each read of the input is sent as one " +
			"datagram. A client quits 2 seconds after its input ends with no reply (or after `-i`, or `-q`). " +
			"A server serves the first peer; with `-k` every peer, with `-e` a child per peer. " +
			"A Unix datagram client binds a socket of its own (under $TMPDIR, or the path of `-s`) " +
			"so that the server can answer."},
	{long: "vsock", section: secSocket, help: "Use vsock sockets (the host is a CID; Linux)",
		man: "Use Linux AF_VSOCK stream sockets, between a virtual machine and its host: the host operand " +
			"is a context ID (2 is the host; `any`, or no operand, to listen on every CID). Linux only."},
	{long: "sctp", section: secSocket, help: "Use SCTP (not supported by gcat)",
		man: "Refused with the reason, exit status 2: gcat has no SCTP support."},

	{long: "listen", short: 'l', section: secConnect, help: "Bind and listen for incoming connections",
		man: "Listen instead of connecting. Without an address gcat listens on every IPv6 and IPv4 address " +
			"(two sockets, as ncat), without a port on 31337. `gcat -l 9999` is a port, `gcat -l 127.0.0.1` " +
			"an address; port 0 lets the kernel choose and `-v` prints it. Without `-k` one connection is " +
			"served and gcat exits when it ends."},
	{long: "keep-open", short: 'k', section: secConnect,
		help: "Accept multiple connections in listen mode;\nin connect mode, go on after the peer's EOF",
		man: "Listen mode: serve many connections at once; with `-e` each gets its own child; without it " +
			"every client's data goes to standard output and standard input goes to every client. " +
			"Connect mode: keep running after the peer's EOF until the input ends."},
	{long: "source-port", short: 'p', arg: true, value: "port", section: secConnect,
		help: "Specify source port to use\n(with -l: the port to listen on)",
		man:  "Connect from local port <port>. With `-l`, the port to listen on."},
	{long: "source", short: 's', arg: true, value: "addr", section: secConnect,
		help: "Specify source address to use (not with -l)",
		man: "Connect from local address <addr>; with `-u -U`, the client's socket path. " +
			"Refused with `-l`: give the address to listen on as an operand."},
	{long: "nodns", short: 'n', section: secConnect, help: "Do not resolve hostnames via DNS",
		man: "Never resolve names: every host must be a numeric address."},
	{long: "wait", short: 'w', arg: true, value: "time", section: secConnect, help: "Connect timeout"},
	{short: 'z', section: secConnect, help: "Zero-I/O mode, report connection status only",
		man: "Connect, report, and exit: status 0 if the port is open, 1 if not. Over TCP the port may be a " +
			"list of ports and ranges, as OpenBSD nc takes them (`gcat -z host 20-25,80 443`), scanned in turn: " +
			"status 0 if any is open, and `-v` names each open one. Over UDP one zero byte is sent, and the port " +
			"counts as open unless the host answers \"port unreachable\" within 2 seconds. " +
			"Not with `-l`, `-e`, `-c`, `--lua-exec` or `-t`."},
	{long: "inetd", section: secConnect,
		help: "Serve the connection inetd (or systemd's\nAccept=yes) hands over as stdin",
		man: "Serve the one connection inetd, xinetd or systemd with Accept=yes hands over as standard " +
			"input, as listen mode serves an accepted one: with the child of `-e`, `-c` or `--lua-exec`, or " +
			"relayed to the <host> and <port> operands (or `-U` <path>) with half-close both ways. `--ssl` " +
			"runs the server handshake on it, `--allow` and `--deny` apply to its peer, `-o`, `-x` and `--rate` " +
			"work. With `-u`, standard input is a service's datagram socket, served as `-lu` serves. " +
			"Diagnostics go to standard error, or to syslog (facility daemon) when standard error is the " +
			"connection too, as with inetd; never onto the connection. Not with `-l`, `-k`, `--broker`, " +
			"`--proxy-type` or `-z`. See also SOCKET ACTIVATION."},
	{short: 'g', arg: true, value: "hops", section: secConnect, help: "Loose source routing (not supported)",
		man: "Refused with the reason, exit status 2: routers and hosts drop source-routed packets."},
	{short: 'G', arg: true, value: "ptr", section: secConnect, help: "Source routing pointer (not supported)",
		man: "Refused, as `-g` is."},

	{long: "exec", short: 'e', arg: true, value: "command", complete: completeCommands, section: secExec,
		help: "Executes the given command",
		man: "Run <command> for the connection, its standard input and output connected to the peer " +
			"through two pipes; its standard error is gcat's. <command> is split as ncat splits it: on white " +
			"space, a backslash making the next character literal; quotes are not special and no shell runs. " +
			"A program name without a slash is looked up in PATH. The child's environment carries the " +
			"NCAT_* variables (see ENVIRONMENT)."},
	{long: "sh-exec", short: 'c', arg: true, value: "command", complete: completeCommands, section: secExec,
		help: "Executes the given command via /bin/sh\n(cmd.exe /C on Windows)",
		man:  "Run <command> with `/bin/sh -c` (on Windows `cmd.exe /C`), otherwise as `-e` does."},
	{long: "pty", section: secExec, help: "Run -e/-c on a pseudo-terminal (remote shells)",
		man: "Run the program of `-e` or `-c` on a new pseudo-terminal, as the leader of its own session " +
			"with the terminal as its controlling terminal, in sane mode; TERM is gcat's own or " +
			"xterm-256color. With `-t`, the window size a telnet client (or a `-T` gcat) reports is applied " +
			"(NAWS). When the peer's input ends, the terminal is hung up (SIGHUP), as when an ssh session " +
			"drops; everything the program wrote reaches the peer. Not with `-u`, `-C` or `--lua-exec`; " +
			"not on Windows."},
	{long: "lua-exec", arg: true, value: "file", complete: completeFiles, section: secExec,
		help: "Executes the given Lua script",
		man: "Run the ncat Lua script <file> for each connection, its io.read, io.write, io.lines and " +
			"print on the connection. gcat runs itself as the child, so everything said of `-e` holds. " +
			"A missing file or a syntax error is a usage error at start."},

	{long: "no-shutdown", section: secStream,
		help: "Do not shut down the socket's write side\non EOF on stdin",
		man:  "At the end of the input, do not shut down the socket's sending side (half-duplex, as ncat)."},
	{short: 'q', arg: true, value: "time", section: secStream, help: "After EOF on stdin, wait <time> then quit",
		man: "After the end of the input, wait <time>, then quit even if the peer has not ended. `-q 0` quits " +
			"at once; a negative <time> waits forever, which is also the default."},
	{long: "linger", arg: true, value: "time", section: secStream,
		help: "After the peer's EOF, how long stdin may\nstay silent before gcat stops reading it\n(default 250ms)",
		man: "gcat's own. After the peer's EOF, how long a read of standard input may stay silent before " +
			"gcat stops reading it (default 250ms). Data that keeps flowing is forwarded; a terminal ends " +
			"at once; a regular file is always sent whole."},
	{long: "send-only", section: secStream, help: "Only send data, ignoring received; quit on EOF",
		man: "Only send: what the peer sends is read and dropped. At the end of the input gcat shuts its " +
			"sending side down, drains the peer for the linger time and exits."},
	{long: "recv-only", section: secStream, help: "Only receive data, never send anything",
		man: "Only receive: standard input is not read, nothing is sent, and gcat exits at the peer's EOF."},
	{long: "idle-timeout", short: 'i', arg: true, value: "time", section: secStream,
		help: "Idle read/write timeout",
		man: "End a connection when no data has moved either way for <time>: exit status 1 in connect mode, " +
			"2 in listen mode, as ncat. With `-k` only that connection ends. Over UDP with `-k`, the time " +
			"after which a silent peer is forgotten."},
	{long: "delay", short: 'd', arg: true, value: "time", section: secStream, help: "Wait between read/writes",
		man: "Wait <time> between reads of what is sent."},

	{long: "verbose", short: 'v', section: secOutput, help: "Set verbosity level (can be used several times)",
		man: "Say what happens on standard error: the version, the address listened on, each connection, " +
			"and at the end the bytes sent and received. `-vv` adds debugging detail. Without `-v` standard " +
			"error carries only errors."},
	{long: "output", short: 'o', arg: true, value: "file", complete: completeFiles, section: secOutput,
		help: "Dump session data to a file",
		man:  "Record the session to <file>: what is sent and what is received, in the order it passed."},
	{long: "hex-dump", short: 'x', arg: true, value: "file", complete: completeFiles, section: secOutput,
		help: "Dump session data as hex to a file",
		man:  "Record the session to <file> as a hex dump in ncat's layout."},
	{long: "append-output", section: secOutput, help: "Append rather than clobber specified output files",
		man: "Append to the `-o` and `-x` files instead of truncating them."},
	{long: "crlf", short: 'C', section: secOutput, help: "Use CRLF for EOL sequence",
		man: "Send each bare LF of the input (or of a `-e` child's output) as CR LF."},
	{long: "telnet", short: 't', section: secOutput, help: "Answer Telnet negotiations",
		man: "Refuse every telnet option the peer offers or asks for, and keep telnet commands out of " +
			"the output. With `--pty`, offer the window-size option (NAWS), echo and character-at-a-time " +
			"input, so that a telnet client is a terminal; with `-T`, report the window's size to a server " +
			"that asks for it."},
	{long: "raw", section: secOutput, help: "Put the local terminal in raw mode (~. quits)",
		man: "gcat's own. When standard input is a terminal, put it in raw mode for the connection, so " +
			"that ^C, ^Z, arrows and tab reach the remote program; its settings are restored on every way " +
			"out. Type ~. at the start of a line to quit, ~~ for one ~, ~? for the list. A usage error when " +
			"standard input is not a terminal."},
	{long: "terminal", short: 'T', section: secOutput,
		help: "--raw and -t, and send the window size (NAWS)",
		man: "gcat's own. `--raw` and `-t`, and the window's size is sent to a server that asks for it " +
			"(telnet NAWS), and again at every resize: the client side of `-t --pty`."},
	{long: "progress", section: secOutput, help: "Show transfer progress on stderr",
		man: "gcat's own. On a terminal, a live line on standard error with the totals and rates; at the " +
			"end, one summary line."},

	{long: "max-conns", short: 'm', arg: true, value: "n", section: secLimits,
		help: "Maximum <n> simultaneous connections",
		man: "With `-k`, `--broker` or a proxy server, serve at most <n> connections at once (default 100); " +
			"a connection past the limit is closed at once. Over UDP, the number of peers served at once."},
	{long: "allow", arg: true, multi: true, value: "hosts", section: secLimits,
		help: "Allow only given hosts to connect to gcat",
		man: "Admit only peers matching one of the comma-separated nmap host specifications in <hosts>: " +
			"addresses, CIDR blocks (10.0.0.0/8), octet ranges and wildcards (192.168.0-255.1, 10.0.0.*), " +
			"and host names. May be repeated. Listen mode only."},
	{long: "allowfile", arg: true, multi: true, value: "file", complete: completeFiles, section: secLimits,
		help: "A file of hosts allowed to connect to gcat",
		man:  "As `--allow`, the specifications read from <file>, separated by white space; # starts a comment."},
	{long: "deny", arg: true, multi: true, value: "hosts", section: secLimits,
		help: "Deny given hosts from connecting to gcat",
		man: "Refuse peers matching one of the specifications in <hosts>. Deny wins: a peer is admitted if it " +
			"matches an allow specification (or none was given) and no deny specification, as ncat does."},
	{long: "denyfile", arg: true, multi: true, value: "file", complete: completeFiles, section: secLimits,
		help: "A file of hosts denied from connecting to gcat",
		man:  "As `--deny`, the specifications read from <file>."},
	{long: "handshake-timeout", arg: true, value: "time", section: secLimits,
		help: "Time a client has to finish its TLS, DTLS\nor proxy handshake (default 10s)",
		man: "gcat's own. In listen mode, how long a client has for its whole handshake: TLS, DTLS, or its " +
			"request to a proxy server (default 10s), however it trickles its bytes. Clients still in their " +
			"handshake do not count against `-m`; past 1024 of them, the oldest is dropped for a newcomer."},
	{long: "rate", arg: true, value: "rate", section: secLimits,
		help: "Limit throughput both ways, like pv -L\n(2M = 2 MiB/s)",
		man: "gcat's own. Limit throughput in both directions, like pv -L: a number of bytes per second, " +
			"with K, M, G or T for powers of 1024 (2M is 2 MiB/s). Per connection with `-k`."},
	{long: "rate-in", arg: true, value: "rate", section: secLimits, help: "Limit what is received",
		man: "As `--rate`, for what is received only."},
	{long: "rate-out", arg: true, value: "rate", section: secLimits, help: "Limit what is sent",
		man: "As `--rate`, for what is sent only."},

	{long: "broker", section: secBroker, help: "Enable Ncat's connection brokering mode",
		man: "Listen (implies `-l`) and relay what each client sends to every other client; standard input " +
			"goes to every client, nothing to standard output. Not with `-e`, `-c`, `--lua-exec`, `-u` or " +
			"`--proxy-type`."},
	{long: "chat", alias: "talk", section: secBroker, help: "Start a simple Ncat chat server",
		man: "ncat's chat (implies `--broker`): clients are announced and what each sends is prefixed with " +
			"its user name."},

	{long: "proxy", arg: true, value: "addr[:port]", section: secProxy,
		help: "Specify address of host to proxy through",
		man: "Connect through the proxy at <addr> (a [v6]:port form too), port 3128 for http and 1080 for " +
			"socks by default. gcat dials the proxy itself, so half-close works through every proxy type. " +
			"Not with `-l`, `-u`, `-U` or `--vsock`."},
	{long: "proxy-type", arg: true, value: "type", values: []string{"http", "socks4", "socks5"}, section: secProxy,
		help: "Specify proxy type (\"http\", \"socks4\", \"socks5\");\nwith -l, be a proxy server of that type",
		man: "The proxy's protocol: http (CONNECT; the default), socks4 or socks5. With `-l`, be a proxy " +
			"server of that type (port 3128 or 1080 by default), serving clients until stopped."},
	{long: "proxy-auth", arg: true, value: "auth", section: secProxy,
		help: "Authenticate with HTTP or SOCKS proxy server",
		man: "Authenticate as <auth>, user:password (socks4: a user only); NCAT_PROXY_AUTH when absent. " +
			"HTTP Basic sends <auth> exactly as given, as ncat does. A user without a password is asked for " +
			"one on the terminal, if there is one; an empty answer sends <auth> as given. With `-l`, what " +
			"clients must send."},
	{long: "proxy-dns", arg: true, value: "type", values: []string{"local", "remote", "both", "none"}, section: secProxy,
		help: "Specify where to resolve proxy destination\n(\"local\", \"remote\", \"both\", \"none\")",
		man: "Where the target's name is resolved: remote (by the proxy; the default), local (by gcat), " +
			"both (locally, falling back to the proxy) or none (the target must be an address)."},

	{long: "ssl", section: secTLS, help: "Connect or listen with TLS",
		man: "Speak TLS on the connection (DTLS with `-u`). Every `--ssl-*` option implies it. A client " +
			"does not require the certificate to verify unless `--ssl-verify` is given, but warns when it " +
			"does not. A server without `--ssl-cert` makes a temporary certificate and prints its " +
			"fingerprint at `-v`."},
	{long: "ssl-cert", arg: true, value: "file", complete: completeFiles, section: secTLS,
		help: "Specify TLS certificate file (PEM)",
		man:  "The PEM certificate chain to present, the server's or the client's; needs `--ssl-key`."},
	{long: "ssl-key", arg: true, value: "file", complete: completeFiles, section: secTLS,
		help: "Specify TLS private key (PEM)",
		man:  "The PEM private key of `--ssl-cert`: RSA, ECDSA or Ed25519."},
	{long: "ssl-verify", section: secTLS, help: "Verify trust and domain name of certificates",
		man: "Client: refuse a server certificate that does not verify. Server: require every client to " +
			"present a certificate that verifies."},
	{long: "ssl-trustfile", arg: true, value: "file", complete: completeFiles, section: secTLS,
		help: "PEM file containing trusted TLS certificates",
		man:  "Trust the certificates in <file> instead of the system's; implies `--ssl-verify`."},
	{long: "ssl-ciphers", arg: true, value: "ciphers", section: secTLS,
		help: "Cipherlist containing TLS ciphers to use",
		man:  "An OpenSSL cipher string selecting the TLS 1.2 suites; TLS 1.3 suites are not affected."},
	{long: "ssl-servername", arg: true, value: "name", section: secTLS,
		help: "Request distinct server name (SNI)",
		man:  "The name sent with SNI and checked in the certificate; by default the host operand."},
	{long: "ssl-alpn", arg: true, value: "protocols", section: secTLS, help: "ALPN protocol list to use",
		man: "A comma-separated list of ALPN protocols to offer (client) or accept (server)."},

	{long: "help", short: 'h', section: secInfo, help: "Display this help screen"},
	{long: "version", section: secInfo, help: "Display gcat's version information and exit",
		man: "Print the version, the first line `-v` prints, and exit."},
}
