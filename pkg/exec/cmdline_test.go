package exec

import (
	"strings"
	"testing"
)

func TestCmdCLine(t *testing.T) {
	for argv, want := range map[string]string{
		`cmd.exe|/C|echo "a  b"& dir`:        `cmd.exe /C echo "a  b"& dir`,
		`C:\Windows\System32\CMD.EXE|/c|dir`: `C:\Windows\System32\CMD.EXE /C dir`,
		`C:\Program Files\x\cmd.exe|/C|ver`:  `"C:\Program Files\x\cmd.exe" /C ver`,
		`cmd|/C|x`:                           `cmd /C x`,
		`cmd.exe|/C`:                         "",
		`cmd.exe|/K|dir`:                     "",
		`sh.exe|/C|dir`:                      "",
		`cmd.exe|/C|a|b`:                     "",
		`/bin/sh|-c|echo hi`:                 "",
	} {
		got, ok := cmdCLine(strings.Split(argv, "|"))
		if got != want || ok != (want != "") {
			t.Errorf("cmdCLine(%s) = %q, %v; want %q", argv, got, ok, want)
		}
	}
}
