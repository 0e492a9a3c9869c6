package main

const helpText = `gcat - an ncat-compatible networking multitool with loss-free half-close

Usage: gcat [options] [hostname] [port]
       gcat -l [options] [address] [port]
       gcat -U [options] path
       gcat -u [options] [hostname] [port]

Options taking a time assume seconds. Append 'ms' for milliseconds,
's' for seconds, 'm' for minutes, or 'h' for hours (e.g. 500ms).
  -4                         Use IPv4 only
  -6                         Use IPv6 only
  -U, --unixsock             Use Unix domain sockets
  -u, --udp                  Use UDP (with -U: Unix datagram sockets)
      --vsock                Use vsock sockets (the host is a CID)
  -C, --crlf                 Use CRLF for EOL sequence
  -c, --sh-exec <command>    Executes the given command via /bin/sh
  -e, --exec <command>       Executes the given command
      --lua-exec <filename>  Executes the given Lua script
  -h, --help                 Display this help screen
  -p, --source-port port     Specify source port to use (with -l: the port to listen on)
  -s, --source addr          Specify source address to use (doesn't affect -l)
  -l, --listen               Bind and listen for incoming connections
  -k, --keep-open            Accept multiple connections in listen mode;
                             in connect mode, keep running after the peer's EOF
  -n, --nodns                Do not resolve hostnames via DNS
  -v, --verbose              Set verbosity level (can be used several times)
  -w, --wait <time>          Connect timeout
  -i, --idle-timeout <time>  Idle read/write timeout
  -d, --delay <time>         Wait between read/writes
  -o, --output <filename>    Dump session data to a file
  -x, --hex-dump <filename>  Dump session data as hex to a file
      --append-output        Append rather than clobber specified output files
  -t, --telnet               Answer Telnet negotiations
  -m, --max-conns <n>        Maximum <n> simultaneous connections
      --broker               Enable Ncat's connection brokering mode
      --chat                 Start a simple Ncat chat server
      --allow                Allow only given hosts to connect to gcat
      --allowfile            A file of hosts allowed to connect to gcat
      --deny                 Deny given hosts from connecting to gcat
      --denyfile             A file of hosts denied from connecting to gcat
  -z                         Zero-I/O mode, report connection status only
      --send-only            Only send data, ignoring received; quit on EOF
      --recv-only            Only receive data, never send anything
  -q <time>                  After EOF on stdin, wait <time> then quit
      --no-shutdown          Do not shut down the socket's write side on EOF on stdin
      --linger <time>        After the peer's EOF, how long stdin may stay silent
                             before gcat stops reading it (default 250ms)
      --rate <rate>          Limit throughput both ways, like pv -L (2M = 2 MiB/s)
      --rate-in <rate>       Limit what is received
      --rate-out <rate>      Limit what is sent
      --progress             Show transfer progress on stderr
      --proxy <addr[:port]>  Specify address of host to proxy through
      --proxy-type <type>    Specify proxy type ("http", "socks4", "socks5");
                             with -l, be a proxy server of that type
      --proxy-auth <auth>    Authenticate with HTTP or SOCKS proxy server
      --proxy-dns <type>     Specify where to resolve proxy destination
                             ("local", "remote", "both", "none")
      --ssl                  Connect or listen with TLS
      --ssl-cert             Specify TLS certificate file (PEM) for listening
      --ssl-key              Specify TLS private key (PEM) for listening
      --ssl-verify           Verify trust and domain name of certificates
      --ssl-trustfile        PEM file containing trusted TLS certificates
      --ssl-ciphers          Cipherlist containing TLS ciphers to use
      --ssl-servername       Request distinct server name (SNI)
      --ssl-alpn             ALPN protocol list to use
      --version              Display gcat's version information and exit

See docs/usage.md for every option and the half-close rules.
`
