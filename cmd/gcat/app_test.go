package main

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gcat-dev/gcat/pkg/netcat"
)

func TestConfigFrom(t *testing.T) {
	tests := []struct {
		args string
		want netcat.Config
	}{
		{"-l", netcat.Config{Listen: true, Port: 31337}},
		{"9999 -l", netcat.Config{Listen: true, Port: 9999}},
		{"-lp 9999", netcat.Config{Listen: true, Port: 9999}},
		{"-l 127.0.0.1", netcat.Config{Listen: true, Host: "127.0.0.1", Port: 31337}},
		{"-l ::1 0", netcat.Config{Listen: true, Host: "::1", Port: 0}},
		{"-l 127.0.0.1 -p 80", netcat.Config{Listen: true, Host: "127.0.0.1", Port: 80}},
		{"host", netcat.Config{Host: "host", Port: 31337}},
		{"host 80 -p 5000 -s 127.0.0.2", netcat.Config{Host: "host", Port: 80, SourcePort: 5000, Source: "127.0.0.2"}},
		{"-w5 host 80", netcat.Config{Host: "host", Port: 80, ConnectTimeout: 5 * time.Second}},
		{"-w 500ms host 80", netcat.Config{Host: "host", Port: 80, ConnectTimeout: 500 * time.Millisecond}},
		{"-vv -4 -n host 80", netcat.Config{Host: "host", Port: 80, Verbose: 2, Family: 4, NoDNS: true}},
		{"-6 host 80", netcat.Config{Host: "host", Port: 80, Family: 6}},
		{"-q 2 host 80", netcat.Config{Host: "host", Port: 80, Quit: true, QuitAfter: 2 * time.Second}},
		{"-q 0 host 80", netcat.Config{Host: "host", Port: 80, Quit: true}},
		{"-q -1 host 80", netcat.Config{Host: "host", Port: 80, QuitAfter: -time.Second}},
		{"--linger 1s host 80", netcat.Config{Host: "host", Port: 80, Idle: time.Second}},
		{"--no-shutdown -k host 80", netcat.Config{Host: "host", Port: 80, NoShutdown: true, KeepOpen: true}},
		{"-lU /tmp/s", netcat.Config{Listen: true, Unix: "/tmp/s"}},
		{"-U /tmp/s", netcat.Config{Unix: "/tmp/s"}},
		{"-lk -e /bin/cat 8000", netcat.Config{Listen: true, KeepOpen: true, Port: 8000, Exec: []string{"/bin/cat"}}},
		{"-lk --lua-exec x.lua 8000", netcat.Config{Listen: true, KeepOpen: true, Port: 8000, LuaExec: "x.lua"}},
		{"-l -c tr 8000", netcat.Config{Listen: true, Port: 8000, Exec: []string{"/bin/sh", "-c", "tr"}}},
		{"--proxy [::1]:8080 --proxy-type socks5 --proxy-auth u:p h 80", netcat.Config{Host: "h", Port: 80,
			Proxy: netcat.Proxy{Type: "socks5", Host: "::1", Port: 8080, Auth: true, Credentials: "u:p", User: "u", Pass: "p", DNS: "remote"}}},
		{"--proxy ::1 h 80", netcat.Config{Host: "h", Port: 80, Proxy: netcat.Proxy{Type: "http", Host: "::1", Port: 3128, DNS: "remote"}}},
		{"--proxy p --proxy-type socks4 --proxy-dns local h 80", netcat.Config{Host: "h", Port: 80, Proxy: netcat.Proxy{Type: "socks4", Host: "p", Port: 1080, DNS: "local"}}},
		{"-l --proxy-type http", netcat.Config{Listen: true, Port: 3128, ProxyServer: netcat.ProxyServer{Type: "http"}}},
		{"-l --proxy-type socks5 --proxy-auth a:b 127.0.0.1", netcat.Config{Listen: true, Host: "127.0.0.1", Port: 1080,
			ProxyServer: netcat.ProxyServer{Type: "socks5", Auth: true, Credentials: "a:b", User: "a", Pass: "b"}}},
		{"-lk -m 5 --allow 10.0.0.1 8000", netcat.Config{Listen: true, KeepOpen: true, MaxConns: 5, Port: 8000, Access: netcat.Access{Allow: []string{"10.0.0.1"}}}},
		{"-lk --allow a --allow b,c --denyfile d.txt 8000", netcat.Config{Listen: true, KeepOpen: true, Port: 8000,
			Access: netcat.Access{Allow: []string{"a", "b", "c"}, DenyFiles: []string{"d.txt"}}}},
		{"--proxy p --proxy-auth user h 80", netcat.Config{Host: "h", Port: 80,
			Proxy: netcat.Proxy{Type: "http", Host: "p", Port: 3128, Auth: true, Credentials: "user", User: "user", AskPass: true, DNS: "remote"}}},
		{"--proxy p --proxy-auth :a h 80", netcat.Config{Host: "h", Port: 80,
			Proxy: netcat.Proxy{Type: "http", Host: "p", Port: 3128, Auth: true, Credentials: ":a", Pass: "a", DNS: "remote"}}},
		{"--proxy p --proxy-auth= h 80", netcat.Config{Host: "h", Port: 80,
			Proxy: netcat.Proxy{Type: "http", Host: "p", Port: 3128, Auth: true, DNS: "remote"}}},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			cfg, err := parse(strings.Fields(tt.args), io.Discard, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			got := *cfg
			if strings.Join(got.Exec, "\x00") != strings.Join(tt.want.Exec, "\x00") {
				t.Fatalf("Exec = %q, want %q", got.Exec, tt.want.Exec)
			}
			got.Exec, tt.want.Exec = nil, nil
			got.AddrGiven = false // TestAddrGiven's
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("config = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

// TestAddrGiven: listen mode knows whether the command line named where
// to listen; without it, sockets a service manager handed over are served.
func TestAddrGiven(t *testing.T) {
	for args, want := range map[string]bool{
		"-l": false, "-lu": false, "-lk -e /bin/cat": false, "--broker": false,
		"-l 9999": true, "-lp 9999": true, "-l 127.0.0.1": true, "-lU /tmp/s": true, "-l ::1 0": true,
	} {
		cfg, err := parse(strings.Fields(args), io.Discard, io.Discard)
		if err != nil || cfg.AddrGiven != want {
			t.Errorf("%s: AddrGiven = %v, %v; want %v", args, cfg != nil && cfg.AddrGiven, err, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ args, want string }{
		{"", "you must specify a host to connect to"},
		{"-l -s 127.0.0.1", "-l and -s are incompatible"},
		{"-e /bin/cat -c cat host", "only one of --exec, --sh-exec and --lua-exec may be given"},
		{"-e /bin/cat --lua-exec x.lua host", "only one of --exec, --sh-exec and --lua-exec"},
		{"--lua-exec '' host", "--lua-exec needs a script"},
		{"-l -z 80", "-z cannot be used with -l"},
		{"-z -e /bin/cat host 80", "-z cannot be used with -e"},
		{"-z -t host 80", "-z and -t are incompatible"},
		{"--send-only --recv-only host", "--send-only and --recv-only are incompatible"},
		{"--vsock -U /tmp/s", "--vsock and -U are incompatible"},
		{"--vsock -u 3 80", "--vsock works with stream sockets only"},
		{"--vsock x 80", `invalid vsock CID "x"`},
		{"--append-output host", "--append-output needs -o or -x"},
		{"-i 0 host", `invalid -i timeout "0"`},
		{"-i x host", `invalid -i timeout "x"`},
		{"-d -1 host", `invalid -d delay "-1"`},
		{"--rate 2X host", `--rate: invalid rate "2X"`},
		{"--rate-in 0 host", `--rate-in: invalid rate "0"`},
		{"-g 10.0.0.1 host", "loose source routing (-g, -G) is not supported"},
		{"-G 8 host", "loose source routing (-g, -G) is not supported"},
		{"-e '' host", "--exec: empty command"},
		{"host 99999", `invalid port number "99999"`},
		{"host http", `invalid port number "http"`},
		{"host 0", "invalid port number 0"},
		{"-l -p 80 127.0.0.1 81", "got more than one port specification"},
		{"a b c", "too many operands"},
		{"-4 -6 host", "-4 and -6 are incompatible"},
		{"-w 0 host", "invalid -w timeout"},
		{"-w x host", "invalid -w timeout"},
		{"-q soon host", "invalid -q time"},
		{"-U", "-U needs exactly one socket path"},
		{"-U -p 5 /tmp/s", "-p cannot be used with -U"},
		{"--ssl -U /tmp/s", "--ssl cannot be used with -U"},
		{"--ssl-cert c.pem host", "--ssl-cert and --ssl-key must be used together"},
		{"--ssl-key k.pem host", "--ssl-cert and --ssl-key must be used together"},
		{"--ssl-ciphers RC4-SHA host", `--ssl-ciphers "RC4-SHA" selects no cipher suite`},
		{"--ssl-alpn , host", "--ssl-alpn needs"},
		{"--sctp host", "--sctp is not supported"},
		{"-m 5 host", "--max-conns with connect"},
		{"--allow 10.0.0.1 host", "--allow with connect"},
		{"--broker -e /bin/cat", "--broker (or --chat) and -e"},
		{"--chat -u", "not with -u"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			args := strings.Fields(tt.args)
			for i, a := range args {
				if a == "''" {
					args[i] = ""
				}
			}
			_, err := parse(args, io.Discard, io.Discard)
			var ue *usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parse(%q) = %v, want usage error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"--version"}, {"-v", "--version"}} {
		var out strings.Builder
		cfg, err := parse(args, &out, io.Discard)
		if err != nil || cfg != nil || out.Len() == 0 {
			t.Errorf("parse(%q) = %v, %v, output %q", args, cfg, err, out.String())
		}
	}
}
