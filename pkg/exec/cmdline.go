package exec

import (
	"path"
	"strings"
)

// cmdCLine is the Windows command line for argv when argv is cmd.exe /C
// and one command line (what Shell gives on Windows): the command line
// written as it is after "/C", since cmd.exe reads the rest of its command
// line itself and does not unquote it as other programs do. ok is false
// for any other argv, whose command line Go composes.
//
// It is here, not in a Windows file, so that its tests run everywhere.
func cmdCLine(argv []string) (line string, ok bool) {
	if len(argv) != 3 || !strings.EqualFold(argv[1], "/C") {
		return "", false
	}
	// Either separator: this runs on Windows, and is tested elsewhere.
	base := strings.ToLower(path.Base(strings.ReplaceAll(argv[0], `\`, "/")))
	if base != "cmd.exe" && base != "cmd" {
		return "", false
	}
	prog := argv[0]
	if strings.ContainsAny(prog, " \t") {
		prog = `"` + prog + `"` // a Windows path cannot hold a quote
	}
	return prog + " /C " + argv[2], true
}
