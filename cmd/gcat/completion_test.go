package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shell runs a shell program (name and arguments) and returns its
// standard output's non-empty lines, sorted; it skips the test when the
// shell is not installed (make peers installs them).
func shell(t *testing.T, dir string, argv ...string) []string {
	t.Helper()
	if _, err := exec.LookPath(argv[0]); err != nil {
		t.Skipf("%s is not installed (make test installs it when run as root)", argv[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return lines
}

// completionDir holds a few files for file-name completion.
func completionDir(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"cert.pem", "key.pem", "notes.txt", "run.sh"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var proxyOptions = []string{"--proxy", "--proxy-auth", "--proxy-dns", "--proxy-type"}

// TestBashCompletion calls the completion function as bash's completion
// would: option names, fixed value sets in both forms, files, commands.
func TestBashCompletion(t *testing.T) {
	script, err := filepath.Abs(filepath.Join(root, "completions/gcat.bash"))
	if err != nil {
		t.Fatal(err)
	}
	dir := completionDir(t)
	for _, tt := range []struct {
		words string // the command line, split at spaces; the last word is completed
		want  []string
	}{
		{"gcat --prox", proxyOptions},
		{"gcat -lk --ssl-t", []string{"--ssl-trustfile"}},
		{"gcat --proxy-type ", []string{"http", "socks4", "socks5"}},
		{"gcat --proxy-type = s", []string{"socks4", "socks5"}},
		{"gcat --proxy-dns = ", []string{"both", "local", "none", "remote"}},
		{"gcat --ssl-cert ", []string{"cert.pem", "key.pem", "notes.txt", "run.sh"}},
		{"gcat -o n", []string{"notes.txt"}},
		{"gcat -w ", nil},
		{"gcat -U ", []string{"cert.pem", "key.pem", "notes.txt", "run.sh"}},
		{"gcat -e ./r", []string{"./run.sh"}},
		{"gcat -e gcat-no-such-comman", nil},
		{"gcat -e ech", []string{"echo"}},
	} {
		t.Run(tt.words, func(t *testing.T) {
			words := strings.Split(tt.words, " ")
			prog := "source " + script + "\nCOMP_WORDS=(" + shellWords(words) + ")\nCOMP_CWORD=" +
				strconv.Itoa(len(words)-1) + "\n_gcat\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
			// compgen -c lists a builtin and the programs of that name.
			got := uniq(shell(t, dir, "bash", "--norc", "-c", prog))
			if tt.words == "gcat -e ech" { // PATH may hold other ech* commands
				got = grep(got, "echo")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("completions %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFishCompletion asks fish what it would offer (complete -C).
func TestFishCompletion(t *testing.T) {
	script, _ := filepath.Abs(filepath.Join(root, "completions/gcat.fish"))
	dir := completionDir(t)
	for _, tt := range []struct{ line, want string }{
		{"gcat --prox", strings.Join(proxyOptions, " ")},
		{"gcat --proxy-type ", "http socks4 socks5"},
		{"gcat --proxy-dns=l", "--proxy-dns=local"},
		{"gcat --ssl-key k", "key.pem"},
		{"gcat -lU n", "notes.txt"},
		{"gcat -e ech", "echo"},
		{"gcat -e ./r", "./run.sh"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			got := shell(t, dir, "fish", "--no-config", "-c", "source "+script+"; complete -C '"+tt.line+"'")
			var names []string
			for _, l := range got {
				name, _, _ := strings.Cut(l, "\t")
				names = append(names, name)
			}
			if tt.line == "gcat -e ech" {
				names = grep(names, "echo")
			}
			if strings.Join(names, " ") != tt.want {
				t.Errorf("completions %q, want %q", names, tt.want)
			}
		})
	}
}

// zshComplete types a line into an interactive zsh in a pseudo-terminal
// (zsh/zpty), presses Tab, and prints what the completion system added:
// compadd is wrapped to log its matches. Tab is bound to a widget that
// completes, then prints a marker: the signal that the matches are all
// logged. Nothing is typed ahead of it, so the completion runs as it would
// for a person.
const zshComplete = `zmodload zsh/zpty || exit 3
out=$TMPDIR/matches
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd () { builtin compadd -O __hits \"\$@\"; print -rl -- \$__hits >> $out; builtin compadd \"\$@\" }"
zpty -w z "zstyle ':completion:*' menu no; complete-marked () { zle complete-word; print -u2 __comp''done__ }"
zpty -w z "zle -N complete-marked; bindkey '^I' complete-marked; echo __re''ady__"
zpty -r z l '*__ready__*' || exit 4
zpty -n -w z "$2"$'\t'
zpty -r z l '*__compdone__*' || exit 5
zpty -d z
cat $out
`

// TestZshCompletion: the zsh completion parses, and completes in a real
// interactive zsh.
func TestZshCompletion(t *testing.T) {
	fdir, _ := filepath.Abs(filepath.Join(root, "completions"))
	shell(t, fdir, "zsh", "-n", "_gcat")
	dir := completionDir(t)
	for _, tt := range []struct{ line, want string }{
		{"gcat --prox", strings.Join(proxyOptions, " ")},
		{"gcat --proxy-type ", "http socks4 socks5"},
		{"gcat --proxy-dns=r", "remote"},
		{"gcat --ssl-cert c", "cert.pem"},
		{"gcat -e ./r", "run.sh"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			got := shell(t, dir, "zsh", "-f", "-c", zshComplete, "zsh", fdir, tt.line)
			if strings.Join(uniq(got), " ") != tt.want {
				t.Errorf("completions %q, want %q", got, tt.want)
			}
		})
	}
}

func shellWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}

func grep(lines []string, want string) []string {
	var out []string
	for _, l := range lines {
		if l == want {
			out = append(out, l)
		}
	}
	return out
}

func uniq(sorted []string) []string {
	var out []string
	for i, l := range sorted {
		if i == 0 || l != sorted[i-1] {
			out = append(out, l)
		}
	}
	return out
}
