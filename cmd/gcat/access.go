package main

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/gcat-dev/gcat/pkg/netcat"
)

// accessFrom reads -m, --allow, --allowfile, --deny and --denyfile: listen
// mode only, as in ncat. The host specs are kept as given: netcat reads the
// files and resolves the names when the run starts.
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
	for _, o := range []struct {
		name string
		dst  *[]string
	}{
		{"allow", &cfg.Access.Allow}, {"allowfile", &cfg.Access.AllowFiles},
		{"deny", &cfg.Access.Deny}, {"denyfile", &cfg.Access.DenyFiles},
	} {
		if !c.IsSet(o.name) {
			continue
		}
		if !cfg.Listen {
			return usagef("invalid option combination: --%s with connect (listen mode only)", o.name)
		}
		*o.dst = c.StringSlice(o.name)
	}
	return nil
}
