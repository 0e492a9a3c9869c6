package exec

import (
	"reflect"
	"strings"
	"testing"
)

// The cases follow ncat's own test/test-cmdline-split.c and its comment.
func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"ncat -l -k", []string{"ncat", "-l", "-k"}},
		{"ncat\\ experiment -l -k", []string{"ncat experiment", "-l", "-k"}},
		{"ncat\\\\ -l -k", []string{"ncat\\", "-l", "-k"}},
		{"  /bin/echo   a\tb\n c  ", []string{"/bin/echo", "a", "b", "c"}},
		{"echo 'a b'", []string{"echo", "'a", "b'"}}, // quotes are not parsed
		{`echo "a b"`, []string{"echo", `"a`, `b"`}},
		{`a\b`, []string{"ab"}},
		{`trailing\`, []string{"trailing"}},
		{`a \ b`, []string{"a", " b"}},
		{`\ `, []string{" "}},
		{`\`, []string{""}},
		{"", nil},
		{"   ", nil},
		{"a\vb\fc\rd", []string{"a", "b", "c", "d"}},
		// White space after an escaped character other than a backslash
		// is skipped and the word goes on (ncat 7.93, measured).
		{`x\  y`, []string{"x y"}},
		{`x\   y z`, []string{"x y", "z"}},
		{`x\a y`, []string{"xay"}},
		{"x\\\t y", []string{"x\ty"}},
		{`x\ \ y z`, []string{"x  y", "z"}},
		{`\  \\`, []string{" \\"}},
		{`x\\ y`, []string{"x\\", "y"}},
		{`x\\\ y`, []string{"x\\ y"}},
		{`x\  `, []string{"x "}},
	}
	for _, tt := range tests {
		if got := Split(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// escape is Split's inverse: every byte backslash-escaped but a word's last
// one when it is plain (white space after an escaped character would not end
// the word). ok is false when a word before the last ends in white space,
// which no command line can express.
func escape(args []string) (s string, ok bool) {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j := 0; j < len(a); j++ {
			last := j == len(a)-1
			switch {
			case last && isSpace(a[j]) && i < len(args)-1:
				return "", false
			case !last || a[j] == '\\' || isSpace(a[j]):
				b.WriteByte('\\')
			}
			b.WriteByte(a[j])
		}
	}
	return b.String(), true
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"ncat -l", `a\ b`, `x\\`, "  ", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := Split(s)
		for _, a := range args {
			if a == "" && !strings.Contains(s, `\`) {
				t.Fatalf("empty word from %q without a backslash", s)
			}
		}
		// Round trip: escaping every byte and splitting again is identity.
		var nonEmpty []string
		for _, a := range args {
			if a != "" {
				nonEmpty = append(nonEmpty, a)
			}
		}
		line, ok := escape(nonEmpty)
		if !ok {
			return
		}
		if back := Split(line); !reflect.DeepEqual(back, nonEmpty) {
			t.Fatalf("round trip %q -> %q -> %q -> %q", s, nonEmpty, line, back)
		}
	})
}
