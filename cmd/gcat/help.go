package main

import (
	"strings"
)

// helpWidth is the widest line of -h: a terminal's default width.
const helpWidth = 80

const helpHead = `gcat - an ncat-compatible networking multitool with loss-free half-close

Usage: gcat [options] [hostname] [port]
       gcat -l [options] [address] [port]
       gcat -U [options] path
       gcat -u [options] [hostname] [port]

Options taking a time assume seconds. Append 'ms' for milliseconds,
's' for seconds, 'm' for minutes, or 'h' for hours (e.g. 500ms).
`

const helpTail = `
See the gcat(1) manual page (man gcat) for every option, the half-close
rules, exit statuses and examples.
`

// helpText is what -h prints, made from the option table when asked for.
func helpText() string { return renderHelp(options) }

// renderHelp lays the options out as ncat's -h does: the option's forms
// and value, then its description in a column, wrapped within helpWidth.
func renderHelp(opts []option) string {
	col := 0
	for _, o := range opts {
		col = max(col, len(helpSpec(o))+2)
	}
	var b strings.Builder
	b.WriteString(helpHead)
	for _, o := range opts {
		spec := helpSpec(o)
		lines := wrapHelp(o.help, helpWidth-col)
		for i, line := range lines {
			if i > 0 {
				spec = ""
			}
			b.WriteString(strings.TrimRight(spec+strings.Repeat(" ", col-len(spec))+line, " ") + "\n")
		}
	}
	b.WriteString(helpTail)
	return b.String()
}

// helpSpec is an option's forms as -h shows them: "  -e, --exec <command>".
func helpSpec(o option) string {
	s := "  "
	switch {
	case o.short != 0 && o.long != "":
		s += "-" + string(o.short) + ", --" + o.long
	case o.short != 0:
		s += "-" + string(o.short)
	default:
		s += "    --" + o.long
	}
	if o.value != "" {
		s += " <" + o.value + ">"
	}
	return s
}

// wrapHelp splits a description into lines of at most width: at each
// "\n", and between words where a line would be too long.
func wrapHelp(text string, width int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			switch {
			case line == "":
				line = w
			case len(line)+1+len(w) <= width:
				line += " " + w
			default:
				lines = append(lines, line)
				line = w
			}
		}
		lines = append(lines, line)
	}
	return lines
}
