// Package version says which gcat this is, for --version and -v.
//
// The version is, in order: what the build stamped with
//
//	go build -ldflags "-X github.com/gcat-dev/gcat/internal/version.stamped=$(git describe --tags --always --dirty)"
//
// (the Makefile does), else the module version the Go command recorded
// (`go install github.com/gcat-dev/gcat/cmd/gcat@v1.2.3` records v1.2.3; a
// build in a git checkout records a pseudo-version), else "devel".
package version

import (
	"runtime/debug"
	"strings"
)

// URL is the project's home, in the banner.
const URL = "https://github.com/gcat-dev/gcat"

// stamped is set by the linker (-X); see the package comment.
var stamped string

// Get returns gcat's version without a leading "v": "0.2.0",
// "0.2.0-3-g1a2b3c4-dirty", or "devel" when nothing says.
func Get() string {
	return resolve(stamped, debug.ReadBuildInfo)
}

// resolve is Get with its sources as arguments, for the tests.
func resolve(stamped string, buildInfo func() (*debug.BuildInfo, bool)) string {
	if stamped != "" {
		return strings.TrimPrefix(stamped, "v")
	}
	if bi, ok := buildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "devel"
}

// Banner is the line --version prints and -v starts with, after "gcat: ",
// in ncat's layout ("Ncat: Version 7.93 ( https://nmap.org/ncat )").
func Banner() string {
	return "Version " + Get() + " ( " + URL + " )"
}
