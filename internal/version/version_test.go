package version

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	info := func(v string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{Main: debug.Module{Path: "github.com/gcat-dev/gcat", Version: v}}, true
		}
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	for _, tt := range []struct {
		stamped string
		info    func() (*debug.BuildInfo, bool)
		want    string
	}{
		{"v0.2.0", info("v0.1.0"), "0.2.0"},                         // the stamp wins
		{"v0.2.0-3-g1a2b3c4-dirty", none, "0.2.0-3-g1a2b3c4-dirty"}, // git describe
		{"1a2b3c4", none, "1a2b3c4"},                                // describe without a tag
		{"", info("v1.2.3"), "1.2.3"},                               // go install ...@v1.2.3
		{"", info("v0.0.0-20261204171200-1a2b3c4d5e6f+dirty"), "0.0.0-20261204171200-1a2b3c4d5e6f+dirty"},
		{"", info("(devel)"), "devel"},
		{"", none, "devel"},
	} {
		if got := resolve(tt.stamped, tt.info); got != tt.want {
			t.Errorf("resolve(%q) = %q, want %q", tt.stamped, got, tt.want)
		}
	}
}

func TestBanner(t *testing.T) {
	if got, want := Banner(), "Version "+Get()+" ( https://github.com/gcat-dev/gcat )"; got != want {
		t.Errorf("Banner() = %q, want %q", got, want)
	}
}
