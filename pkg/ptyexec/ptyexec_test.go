//go:build unix && !aix

package ptyexec

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

var shells = []string{"sh", "bash"}

// TestTerminal: the child's stdio is its controlling terminal, a pty of
// the size asked for, that follows Resize.
func TestTerminal(t *testing.T) {
	for _, sh := range shells {
		t.Run(sh, func(t *testing.T) {
			spec := shell(t, sh)
			spec.Size = Size{Rows: 30, Cols: 100}
			s := run(t, spec)
			s.type_("tty; tty <&1; tty <&2; stty size\r")
			tty := s.expect(`(/dev/\S+)\r\n(/dev/\S+)\r\n(/dev/\S+)\r\n`)
			if !regexp.MustCompile(`^/dev/pts/\d+$`).MatchString(tty[1]) && !strings.HasPrefix(tty[1], "/dev/tty") {
				t.Errorf("tty says %q", tty[1])
			}
			if tty[1] != s.c.TTY() || tty[2] != tty[1] || tty[3] != tty[1] {
				t.Errorf("stdin, stdout, stderr on %q %q %q; the pty is %q", tty[1], tty[2], tty[3], s.c.TTY())
			}
			s.expect(`\b30 100\r\n`)
			if err := s.c.Resize(40, 120); err != nil {
				t.Fatal(err)
			}
			s.type_("stty size\r")
			s.expect(`\b40 120\r\n`)
			// A session leader on its own terminal: ps shows the
			// terminal as the shell's controlling one.
			s.type_("ps -o sid=,tty= -p $$\r")
			got := s.expect(`\b(\d+) +(pts/\d+|tty\S*)\r\n`)
			if got[1] != strconv.Itoa(s.c.Pid()) || "/dev/"+got[2] != s.c.TTY() {
				t.Errorf("ps says session %s tty %s; want %d %s", got[1], got[2], s.c.Pid(), s.c.TTY())
			}
			s.type_("exit\r")
			s.exited()
			if _, err := s.wait(); err == nil {
				t.Error("reading ended without an error")
			}
			if err := s.c.Stop(); err != nil {
				t.Errorf("exit status: %v", err)
			}
		})
	}
}

// TestInterrupt: ^C ends the foreground job, not the shell, and the next
// command runs.
func TestInterrupt(t *testing.T) {
	for _, sh := range shells {
		t.Run(sh, func(t *testing.T) {
			s := run(t, shell(t, sh))
			s.type_("sleep 100\r")
			fg := s.foreground("sleep")
			s.type_("\x03")
			waitGone(t, fg)
			s.type_("echo status=$?\r")
			s.expect(`status=130\r\n`)
			select {
			case <-s.c.Exited():
				t.Fatal("the shell exited")
			default:
			}
			s.type_("exit 7\r")
			s.exited()
			var ee *exec.ExitError
			if err := s.c.Stop(); !errors.As(err, &ee) || ee.ExitCode() != 7 {
				t.Errorf("exit status: %v; want 7", err)
			}
		})
	}
}

// TestJobControl: ^Z stops the foreground job, fg resumes it.
func TestJobControl(t *testing.T) {
	s := run(t, shell(t, "bash"))
	s.type_("sleep 100\r")
	fg := s.foreground("sleep")
	s.type_("\x1a")
	s.expect(`Stopped`)
	s.type_("fg\r")
	if got := s.foreground("sleep"); got != fg {
		t.Errorf("fg brought %d to the foreground; want %d", got, fg)
	}
	s.type_("\x03")
	waitGone(t, fg)
	s.type_("jobs; echo J$((6*7))\r")
	m := s.expect(`(?s)J\$\(\(6\*7\)\)\r\n(.*?)J42\r\n`)
	if left := regexp.MustCompile("\x1b\\[[?0-9;]*[a-zA-Z]|\r").ReplaceAllString(m[1], ""); left != "" {
		t.Errorf("jobs left: %q", left)
	}
}

// TestSane: the terminal is in sane mode whatever the system's defaults.
func TestSane(t *testing.T) {
	s := run(t, Spec{Argv: []string{"stty", "-a"}})
	out, _ := s.wait()
	for _, want := range []string{"intr = ^C", "eof = ^D", "susp = ^Z", "erase = ^?"} {
		if !strings.Contains(out, want) {
			t.Errorf("stty -a lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"icanon", "isig", "echo", "icrnl", "onlcr", "opost", "-echonl"} {
		if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(want) + `(\s|$)`).MatchString(out) {
			t.Errorf("stty -a lacks %q:\n%s", want, out)
		}
	}
}

// TestEnv: TERM comes from gcat's environment or defaults; Env is added.
func TestEnv(t *testing.T) {
	for _, tt := range []struct {
		ours, spec string
		env        []string
		want       string
	}{
		{"", "", nil, DefaultTerm},
		{"vt100", "", nil, "vt100"},
		{"vt100", "screen", nil, "screen"},
		{"vt100", "", []string{"TERM=dumb"}, "dumb"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			t.Setenv("TERM", tt.ours)
			env := append([]string{"NCAT_REMOTE_PORT=4444"}, tt.env...)
			s := run(t, Spec{Argv: []string{"sh", "-c", `printf '%s|%s' "$TERM" "$NCAT_REMOTE_PORT"`}, Term: tt.spec, Env: env})
			out, _ := s.wait()
			if want := tt.want + "|4444"; out != want {
				t.Errorf("child sees %q; want %q", out, want)
			}
		})
	}
}

func TestStartError(t *testing.T) {
	_, err := Start(Spec{Argv: []string{"gcat-no-such-program"}})
	var se *StartError
	if !errors.As(err, &se) || se.Argv0 != "gcat-no-such-program" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "not found") {
		t.Errorf("err = %v", err)
	}
}

// TestFastWriterTail: everything a fast writer wrote reaches the reader
// before the end of the output.
func TestFastWriterTail(t *testing.T) {
	s := run(t, Spec{Argv: []string{"seq", "100000"}})
	out, err := s.wait()
	if err == nil || err.Error() != "EOF" {
		t.Errorf("output ended with %v; want EOF", err)
	}
	var want strings.Builder
	for i := 1; i <= 100000; i++ {
		fmt.Fprintf(&want, "%d\r\n", i)
	}
	if out != want.String() {
		t.Errorf("got %d bytes ending %q; want %d ending %q", len(out), tail(out), want.Len(), tail(want.String()))
	}
}

func tail(s string) string { return s[max(0, len(s)-20):] }

// TestDrainAfterExit: output still unread when the child has exited and
// been reaped is delivered whole.
func TestDrainAfterExit(t *testing.T) {
	c, err := Start(Spec{Argv: []string{"sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line$i; i=$((i+1)); done; exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	<-c.Exited() // nothing has been read yet
	out := readAll(t, c.Stdout)
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	if len(lines) != 300 || lines[299] != "line299" {
		t.Errorf("got %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	var ee *exec.ExitError
	if err := c.Stop(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("exit status %v; want 3", err)
	}
}

// TestNoLeaks: a stopped child leaves no descriptor and no goroutine.
func TestNoLeaks(t *testing.T) {
	fds := func() int {
		ents, err := os.ReadDir("/dev/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	before, routines := fds(), runtime.NumGoroutine()
	for range 5 {
		c, err := Start(Spec{Argv: []string{"sh", "-c", "echo hi"}})
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, c.Stdout)
		c.Stop()
	}
	if after := fds(); after != before {
		t.Errorf("%d descriptors open before, %d after", before, after)
	}
	// A goroutine that has closed Exited, or sent its result, may still
	// be on its way out.
	deadline := time.Now().Add(bound)
	for runtime.NumGoroutine() > routines && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > routines {
		t.Errorf("%d goroutines before, %d after", routines, after)
	}
}

func TestAvailable(t *testing.T) {
	if err := Available(); err != nil {
		t.Errorf("Available() = %v on a system with ptys", err)
	}
}
