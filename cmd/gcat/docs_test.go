package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated documentation and completions (make docs)")

// generated are the files made from the option table, committed so that
// an installed gcat needs no Go to have them.
var generated = []struct {
	path   string // from the repository's root
	render func([]option) string
}{
	{"docs/gcat.1", renderMan},
	{"completions/gcat.bash", renderBash},
	{"completions/_gcat", renderZsh},
	{"completions/gcat.fish", renderFish},
}

// root is the repository's root, from this package's directory.
const root = "../.."

// TestGeneratedCurrent: the committed man page and completions are what
// the option table makes; -update (make docs) rewrites them.
func TestGeneratedCurrent(t *testing.T) {
	for _, g := range generated {
		path := filepath.Join(root, g.path)
		want := []byte(g.render(options))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (make docs writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the option table makes: run make docs", g.path)
		}
	}
}

// TestOptionTable: every option is complete enough to document.
func TestOptionTable(t *testing.T) {
	seen := map[string]bool{}
	sections := map[string]bool{}
	last := ""
	for _, o := range options {
		n := o.name()
		switch {
		case seen[n]:
			t.Errorf("%s: listed twice", n)
		case o.help == "":
			t.Errorf("%s: no help text", n)
		case o.arg != (o.value != ""):
			t.Errorf("%s: arg is %v but the value name is %q", n, o.arg, o.value)
		case !o.arg && (o.complete != completeNone || len(o.values) > 0):
			t.Errorf("%s: takes no value but says how to complete one", n)
		case o.section == "":
			t.Errorf("%s: no man page section", n)
		case o.section != last && sections[o.section]:
			t.Errorf("%s: section %q is split: the table must be in section order", n, o.section)
		}
		seen[n], sections[o.section], last = true, true, o.section
	}
}

// TestHelp: -h lists every option, within 80 columns, and ends at the man
// page.
func TestHelp(t *testing.T) {
	for i, line := range strings.Split(helpText(), "\n") {
		if len(line) > helpWidth {
			t.Errorf("-h line %d is %d columns: %q", i+1, len(line), line)
		}
	}
	for _, o := range options {
		if !strings.Contains(helpText(), helpSpec(o)+" ") && !strings.Contains(helpText(), helpSpec(o)+"\n") {
			t.Errorf("-h lacks %q", helpSpec(o))
		}
	}
	if !strings.HasSuffix(helpText(), "See the gcat(1) manual page (man gcat) for every option, the half-close\nrules, exit statuses and examples.\n") {
		t.Errorf("-h does not end at the man page:\n%s", helpText())
	}
}

// TestManOptions: the man page lists every option of -h, with its value.
func TestManOptions(t *testing.T) {
	man := renderMan(options)
	for _, o := range options {
		if !strings.Contains(man, ".TP\n"+manSpec(o)+"\n") {
			t.Errorf("the man page lacks %s", manSpec(o))
		}
	}
	for _, s := range []string{".SH HALF\\-CLOSE", ".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH EXAMPLES",
		".SH SEE ALSO\n.BR nc (1),\n.BR ncat (1),\n.BR socat (1)\n", "NCAT_REMOTE_ADDR", "NCAT_PROXY_AUTH"} {
		if !strings.Contains(man, s) {
			t.Errorf("the man page lacks %q", s)
		}
	}
}

func TestManText(t *testing.T) {
	for in, want := range map[string]string{
		"Run `-e` on <file>.":       `Run \fB\-e\fR on \fIfile\fR.`,
		"One. Two `--x`. <a> three": "One.\nTwo \\fB\\-\\-x\\fR.\n\\fIa\\fR three",
		`a \ b`:                     `a \e b`,
		"x. .hidden":                "x. .hidden",
		".profile is read":          "\\&.profile is read",
	} {
		if got := manText(in); got != want {
			t.Errorf("manText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManLint: mandoc finds nothing to say about the page, not even style.
func TestManLint(t *testing.T) {
	if _, err := exec.LookPath("mandoc"); err != nil {
		t.Skip("mandoc is not installed (make test installs it when run as root)")
	}
	out, err := exec.Command("mandoc", "-Tlint", "-Wall", filepath.Join(root, "docs/gcat.1")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("mandoc -Tlint: %v\n%s", err, out)
	}
}

// TestManRenders: man(1) formats the page without a warning, and the
// result shows every option.
func TestManRenders(t *testing.T) {
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("man is not installed (make test installs it when run as root)")
	}
	cmd := exec.Command("man", "--warnings", "-l", filepath.Join(root, "docs/gcat.1"))
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80", "LC_ALL=C.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("man -l: %v\n%s", err, stderr.String())
	}
	page := string(out)
	for _, o := range options {
		for _, f := range forms(o) {
			if !strings.Contains(page, f) {
				t.Errorf("the formatted page lacks %s", f)
			}
		}
	}
}
