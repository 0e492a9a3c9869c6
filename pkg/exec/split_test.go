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
	}
	for _, tt := range tests {
		if got := Split(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// escape is Split's inverse: every byte backslash-escaped.
func escape(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j := 0; j < len(a); j++ {
			b.WriteByte('\\')
			b.WriteByte(a[j])
		}
	}
	return b.String()
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
		if back := Split(escape(nonEmpty)); !reflect.DeepEqual(back, nonEmpty) {
			t.Fatalf("round trip %q -> %q -> %q", s, nonEmpty, back)
		}
	})
}
