package main

import (
	"fmt"
	"sort"
	"strings"
)

// completionHeader starts each generated completion file.
const completionHeader = "# %s completion for gcat: generated from cmd/gcat/optiontable.go and\n" +
	"# completion.go by \"make docs\"; edit those, not this file.\n"

// renderBash writes the bash completion: a function that completes option
// names, each option's value (a fixed set, files, commands, or nothing
// for values nobody can guess) in both "--opt value" and "--opt=value"
// forms, and operands (a path after -U, else host names).
func renderBash(opts []option) string {
	var b strings.Builder
	fmt.Fprintf(&b, completionHeader, "bash")
	b.WriteString(`
_gcat() {
    local cur=${COMP_WORDS[COMP_CWORD]} opt=${COMP_WORDS[COMP_CWORD-1]}
    # "--opt=value": bash splits at "=" (COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=
    elif [[ $opt == = ]]; then
        opt=${COMP_WORDS[COMP_CWORD-2]}
    fi
    case $opt in
`)
	for _, k := range []completion{completeCommands, completeFiles, completeNone} {
		forms := bashForms(opts, k)
		if len(forms) == 0 {
			continue
		}
		fmt.Fprintf(&b, "    %s)\n", strings.Join(forms, "|"))
		switch k {
		case completeCommands: // a command name, or a path to a program
			b.WriteString("        if [[ $cur == */* ]]; then\n")
			b.WriteString("            compopt -o filenames 2>/dev/null\n")
			b.WriteString("            COMPREPLY=($(compgen -f -- \"$cur\"))\n")
			b.WriteString("        else\n")
			b.WriteString("            COMPREPLY=($(compgen -c -- \"$cur\"))\n")
			b.WriteString("        fi\n")
		case completeFiles:
			b.WriteString("        compopt -o filenames 2>/dev/null\n")
			b.WriteString("        COMPREPLY=($(compgen -f -- \"$cur\"))\n")
		}
		b.WriteString("        return ;;\n")
	}
	for _, o := range opts {
		if len(o.values) > 0 {
			fmt.Fprintf(&b, "    %s)\n        COMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n        return ;;\n",
				strings.Join(forms(o), "|"), strings.Join(o.values, " "))
		}
	}
	b.WriteString("    esac\n")
	fmt.Fprintf(&b, `    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '%s' -- "$cur"))
        return
    fi
    local w
    for w in "${COMP_WORDS[@]}"; do
        if [[ $w == -U || $w == --unixsock || $w == -[!-]*U* ]]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return
        fi
    done
    COMPREPLY=($(compgen -A hostname -- "$cur"))
}
complete -F _gcat gcat
`, strings.Join(allForms(opts), " "))
	return b.String()
}

// forms is every way to write an option: "-e", "--exec".
func forms(o option) []string {
	var f []string
	if o.short != 0 {
		f = append(f, "-"+string(o.short))
	}
	if o.long != "" {
		f = append(f, "--"+o.long)
	}
	return f
}

// bashForms lists the forms of the options whose value completes as k
// and has no fixed set.
func bashForms(opts []option, k completion) []string {
	var f []string
	for _, o := range opts {
		if o.arg && o.complete == k && len(o.values) == 0 {
			f = append(f, forms(o)...)
		}
	}
	return f
}

// allForms is every option form, sorted, long ones first.
func allForms(opts []option) []string {
	var long, short []string
	for _, o := range opts {
		if o.long != "" {
			long = append(long, "--"+o.long)
		}
		if o.short != 0 {
			short = append(short, "-"+string(o.short))
		}
	}
	sort.Strings(long)
	sort.Strings(short)
	return append(long, short...)
}

// renderZsh writes the zsh completion, an _arguments specification.
func renderZsh(opts []option) string {
	var b strings.Builder
	b.WriteString("#compdef gcat\n")
	fmt.Fprintf(&b, completionHeader, "zsh")
	b.WriteString("\n_arguments -s -S \\\n")
	for _, o := range opts {
		b.WriteString("  " + zshSpec(o) + " \\\n")
	}
	b.WriteString("  '1: :_hosts' \\\n  '2:port: '\n")
	return b.String()
}

// zshSpec is one option's _arguments specification, e.g.
// '(-e --exec)'{-e+,--exec=}'[Executes the given command]:command:_command_names -e'.
func zshSpec(o option) string {
	desc := "[" + zshQuote(strings.NewReplacer(`[`, `\[`, `]`, `\]`, "\n", " ").Replace(o.help)) + "]"
	var action string
	if o.arg {
		action = ":" + strings.ReplaceAll(o.value, ":", `\:`) + ":"
		switch {
		case len(o.values) > 0:
			action += "(" + strings.Join(o.values, " ") + ")"
		case o.complete == completeCommands:
			action += "_command_names -e"
		case o.complete == completeFiles:
			action += "_files"
		default:
			action += " "
		}
		action = zshQuote(action)
	}
	f := forms(o)
	for i := range f {
		switch {
		case o.arg && len(f[i]) == 2:
			f[i] += "+" // -p9999 or -p 9999
		case o.arg:
			f[i] += "=" // --opt=value or --opt value
		}
	}
	repeat := o.multi || o.long == "verbose"
	if len(f) == 1 {
		prefix := ""
		if repeat {
			prefix = "*"
		}
		return "'" + prefix + f[0] + desc + action + "'"
	}
	excl := "'(" + strings.Join(forms(o), " ") + ")'"
	if repeat {
		excl = "'*'"
	}
	return excl + "{" + strings.Join(f, ",") + "}'" + desc + action + "'"
}

// zshQuote makes s safe inside '...'.
func zshQuote(s string) string { return strings.ReplaceAll(s, "'", `'\''`) }

// renderFish writes the fish completion: one complete command per option.
func renderFish(opts []option) string {
	var b strings.Builder
	fmt.Fprintf(&b, completionHeader, "fish")
	// Operands: a socket path after -U, else a host name.
	b.WriteString("\ncomplete -c gcat -f\n")
	b.WriteString("complete -c gcat -n '__fish_contains_opt -s U unixsock' -F\n")
	b.WriteString("complete -c gcat -n 'not __fish_contains_opt -s U unixsock' -a '(__fish_print_hostnames)'\n")
	for _, o := range opts {
		line := "complete -c gcat"
		if o.short != 0 {
			line += " -s " + string(o.short)
		}
		if o.long != "" {
			line += " -l " + o.long
		}
		if o.arg {
			switch {
			case len(o.values) > 0:
				line += " -x -a '" + strings.Join(o.values, " ") + "'"
			case o.complete == completeCommands:
				line += " -x -a '(__fish_complete_command)'"
			case o.complete == completeFiles:
				line += " -r -F"
			default:
				line += " -x"
			}
		}
		line += " -d " + fishQuote(strings.ReplaceAll(o.help, "\n", " "))
		b.WriteString(line + "\n")
	}
	return b.String()
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
