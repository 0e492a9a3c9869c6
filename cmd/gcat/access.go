package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gcat-dev/gcat/pkg/hostspec"
	"github.com/gcat-dev/gcat/pkg/netcat"
)

// defaultMaxConns is ncat's default -m.
const defaultMaxConns = 100

// resolveTimeout bounds the name lookups of --allow and --deny host names.
const resolveTimeout = 30 * time.Second

// accessFrom reads -m, --allow, --allowfile, --deny and --denyfile: listen
// mode only, as in ncat.
func accessFrom(c *cli.Context, cfg *netcat.Config) error {
	if c.IsSet("max-conns") {
		n, err := strconv.Atoi(c.String("max-conns"))
		if err != nil || n <= 0 {
			return usagef("invalid -m/--max-conns %q (must be a number greater than 0)", c.String("max-conns"))
		}
		if !cfg.Listen {
			return usagef("invalid option combination: --max-conns with connect (listen mode only)")
		}
		cfg.MaxConns = n
	}
	server := cfg.KeepOpen || cfg.Broker || cfg.ProxyServer.Type != ""
	if cfg.Listen && server && cfg.MaxConns == 0 {
		cfg.MaxConns = defaultMaxConns
	}
	if c.IsSet("max-conns") && !server {
		fmt.Fprintln(c.App.ErrWriter, "gcat: warning: maximum connections ignored, since it does not take effect without -k or --broker")
	}
	lists := map[string]*hostspec.List{}
	parser := &hostspec.Parser{NoDNS: cfg.NoDNS}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	for _, name := range []string{"allow", "allowfile", "deny", "denyfile"} {
		if !c.IsSet(name) {
			continue
		}
		if !cfg.Listen {
			return usagef("invalid option combination: --%s with connect (listen mode only)", name)
		}
		l, err := parseSpecs(ctx, parser, name, c.StringSlice(name))
		if err != nil {
			return usagef("--%s: %v", name, err)
		}
		lists[name] = l
	}
	if len(lists) == 0 {
		return nil
	}
	a := &hostspec.Access{}
	if lists["allow"] != nil || lists["allowfile"] != nil {
		a.Allow = hostspec.Join(lists["allow"], lists["allowfile"])
	}
	if lists["deny"] != nil || lists["denyfile"] != nil {
		a.Deny = hostspec.Join(lists["deny"], lists["denyfile"])
	}
	cfg.Access = a
	return nil
}

// parseSpecs parses the values of one of the options: host specs, or the
// files that hold them.
func parseSpecs(ctx context.Context, p *hostspec.Parser, name string, values []string) (*hostspec.List, error) {
	var lists []*hostspec.List
	for _, v := range values {
		var l *hostspec.List
		var err error
		if strings.HasSuffix(name, "file") {
			l, err = parseFile(ctx, p, v)
		} else {
			l, err = p.ParseArg(ctx, v)
		}
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	return hostspec.Join(lists...), nil
}

func parseFile(ctx context.Context, p *hostspec.Parser, path string) (*hostspec.List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return p.ParseFile(ctx, f, path)
}
