package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		args []string
		want string // canonical argv joined by spaces
	}{
		{[]string{"9999", "-l"}, "--listen -- 9999"},
		{[]string{"-l", "9999", "-k"}, "--listen --keep-open -- 9999"},
		{[]string{"-lvkp", "9999"}, "--listen --verbose --keep-open --source-port=9999 --"},
		{[]string{"-lvnp", "9999"}, "--listen --verbose --nodns --source-port=9999 --"},
		{[]string{"-p9999", "-l"}, "--source-port=9999 --listen --"},
		{[]string{"-w5", "host", "80"}, "--wait=5 -- host 80"},
		{[]string{"host", "80", "-v"}, "--verbose -- host 80"},
		{[]string{"-v", "--verbose"}, "--verbose --verbose --"},
		{[]string{"-vvv"}, "--verbose --verbose --verbose --"},
		{[]string{"--exec=/bin/cat", "-l"}, "--exec=/bin/cat --listen --"},
		{[]string{"--exec", "/bin/cat", "-l"}, "--exec=/bin/cat --listen --"},
		{[]string{"-e", "-l"}, "--exec=-l --"}, // getopt takes the next word as the value
		{[]string{"-l", "--", "-5"}, "--listen -- -5"},
		{[]string{"-", "-l"}, "--listen -- -"},
		{[]string{"--keep", "-l"}, "--keep-open --listen --"}, // unambiguous prefix
		{[]string{"--talk"}, "--chat --"},
		{[]string{"-c", "tr a-z A-Z | rev", "-lk", "8000"}, "--sh-exec=tr a-z A-Z | rev --listen --keep-open -- 8000"},
		{[]string{"-q", "-1", "host"}, "--q=-1 -- host"},
		{[]string{"-4", "-6"}, "--ipv4 --ipv6 --"},
		{[]string{"-h"}, "--help --"},
		{[]string{"--version"}, "--version --"},
		{[]string{"-lU", "/tmp/s"}, "--listen --unixsock -- /tmp/s"},
		{[]string{"--exec="}, "--exec= --"},
		{[]string{""}, "-- "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := normalize(tt.args)
			if err != nil {
				t.Fatalf("normalize(%q): %v", tt.args, err)
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Fatalf("normalize(%q) = %q, want %q", tt.args, s, tt.want)
			}
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-Z"}, "invalid option -- 'Z'"},
		{[]string{"-p"}, "option requires an argument -- 'p'"},
		{[]string{"-lp"}, "option requires an argument -- 'p'"},
		{[]string{"--exec"}, "option '--exec' requires an argument"},
		{[]string{"--listen=yes"}, "option '--listen' doesn't allow an argument"},
		{[]string{"--bogus"}, "unrecognized option '--bogus'"},
		{[]string{"--ssl-c"}, "option '--ssl-c' is ambiguous; possibilities: --ssl-cert --ssl-ciphers"},
		{[]string{"--"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := normalize(tt.args)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ue *usageError
			if !errors.As(err, &ue) || err.Error() != tt.want {
				t.Fatalf("normalize(%q) error = %v, want usage error %q", tt.args, err, tt.want)
			}
		})
	}
}

// FuzzNormalize checks the normaliser's invariants on any argv: it never
// panics; its output ends the options with exactly one "--"; every option
// it emits is canonical and known; and normalising its own output again
// (which is already in getopt form) gives the same result.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"-lvkp 9999", "9999 -l", "-p9999 -l", "--exec=/bin/cat", "-e -l", "-- -x", "--keep", "-vvv host 80 -w5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, " ")
		out, err := normalize(args)
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("non-usage error %v", err)
			}
			return
		}
		sep := -1
		for i, a := range out {
			if a == "--" {
				sep = i
				break
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !strings.HasPrefix(a, "--") {
				t.Fatalf("option %q not canonical in %q", a, out)
			}
			if o, err := lookupLong(name); err != nil || o.name() != name {
				t.Fatalf("unknown option %q in %q", a, out)
			}
		}
		if sep < 0 {
			t.Fatalf("no -- in %q", out)
		}
		again, err := normalize(out)
		if err != nil || !reflect.DeepEqual(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", args, out, again, err)
		}
	})
}
