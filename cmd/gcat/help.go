package main

const helpText = `gcat - an ncat-compatible networking multitool with loss-free half-close

Usage: gcat [options] [hostname] [port]
       gcat -l [options] [address] [port]
       gcat -U [options] path

Options taking a time assume seconds. Append 'ms' for milliseconds,
's' for seconds, 'm' for minutes, or 'h' for hours (e.g. 500ms).
  -4                         Use IPv4 only
  -6                         Use IPv6 only
  -U, --unixsock             Use Unix domain (stream) sockets
  -c, --sh-exec <command>    Executes the given command via /bin/sh
  -e, --exec <command>       Executes the given command
  -h, --help                 Display this help screen
  -p, --source-port port     Specify source port to use (with -l: the port to listen on)
  -s, --source addr          Specify source address to use (doesn't affect -l)
  -l, --listen               Bind and listen for incoming connections
  -k, --keep-open            Accept multiple connections in listen mode;
                             in connect mode, keep running after the peer's EOF
  -n, --nodns                Do not resolve hostnames via DNS
  -v, --verbose              Set verbosity level (can be used several times)
  -w, --wait <time>          Connect timeout
  -q <time>                  After EOF on stdin, wait <time> then quit
      --no-shutdown          Do not shut down the socket's write side on EOF on stdin
      --linger <time>        After the peer's EOF, how long stdin may stay silent
                             before gcat stops reading it (default 250ms)
      --version              Display gcat's version information and exit

See docs/usage.md for every option and the half-close rules.
`
