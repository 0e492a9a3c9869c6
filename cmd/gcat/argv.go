package main

import (
	"fmt"
	"sort"
	"strings"
)

// usageError is a mistake on the command line: exit status 2 and a hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// normalize rewrites a command line (without the program name) the way
// ncat's getopt_long reads it, into a form urfave/cli v2 parses without its
// traps: every option becomes "--name" or "--name=value" under its
// canonical name, and all operands follow a single "--".
//
// It accepts what getopt does: options and operands in any order
// ("9999 -l"), clusters ("-lvkp 9999", "-vvv"), attached values ("-p9999",
// "-w5"), "--opt=value" and "--opt value", unambiguous prefixes of long
// names ("--keep"), and "--" to end the options. A lone "-" is an operand.
func normalize(args []string) ([]string, error) {
	var opts, operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			operands = append(operands, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			o, err := lookupLong(name)
			if err != nil {
				return nil, err
			}
			switch {
			case !o.arg && hasVal:
				return nil, usagef("option '--%s' doesn't allow an argument", o.name())
			case o.arg && !hasVal:
				if i+1 == len(args) {
					return nil, usagef("option '--%s' requires an argument", o.name())
				}
				i++
				val = args[i]
			}
			opts = append(opts, canonical(o, val))
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				o, ok := lookupShort(a[j])
				if !ok {
					return nil, usagef("invalid option -- '%c'", a[j])
				}
				if !o.arg {
					opts = append(opts, canonical(o, ""))
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 == len(args) {
						return nil, usagef("option requires an argument -- '%c'", a[j])
					}
					i++
					val = args[i]
				}
				opts = append(opts, canonical(o, val))
				break
			}
		default:
			operands = append(operands, a)
		}
	}
	return append(append(opts, "--"), operands...), nil
}

func canonical(o option, val string) string {
	if o.arg {
		return "--" + o.name() + "=" + val
	}
	return "--" + o.name()
}

func lookupShort(c byte) (option, bool) {
	for _, o := range options {
		if o.short == c {
			return o, true
		}
	}
	return option{}, false
}

// lookupLong finds a long option by its name, an alias, or an unambiguous
// prefix of one, as getopt_long does.
func lookupLong(name string) (option, error) {
	var matches []option
	for _, o := range options {
		if o.long == "" && name == o.name() {
			return o, nil // "--q=1": the canonical form of a short-only option
		}
		for _, n := range []string{o.long, o.alias} {
			if n == "" {
				continue
			}
			if n == name {
				return o, nil
			}
			if name != "" && strings.HasPrefix(n, name) {
				matches = append(matches, o)
				break
			}
		}
	}
	switch len(matches) {
	case 0:
		return option{}, usagef("unrecognized option '--%s'", name)
	case 1:
		return matches[0], nil
	}
	var names []string
	for _, o := range matches {
		names = append(names, "--"+o.long)
	}
	sort.Strings(names)
	return option{}, usagef("option '--%s' is ambiguous; possibilities: %s", name, strings.Join(names, " "))
}
