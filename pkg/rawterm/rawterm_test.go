//go:build unix

package rawterm

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

const bound = 30 * time.Second

// TestMain lets the test binary be the program on a terminal (os/exec's
// helper-process pattern): GCAT_RAWTERM_HELPER selects what it does.
func TestMain(m *testing.M) {
	switch os.Getenv("GCAT_RAWTERM_HELPER") {
	case "":
		os.Exit(m.Run())
	case "hold": // raw until a signal or "q"
		r, err := MakeRaw(os.Stdin)
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		defer r.Restore()
		defer r.RestoreOnSignals()()
		fmt.Print("ready\r\n")
		b := make([]byte, 1)
		for b[0] != 'q' {
			if _, err := os.Stdin.Read(b); err != nil {
				return
			}
		}
	case "winch": // reports size changes
		stop, err := WatchSize(os.Stdin, func(s Size) { fmt.Printf("size %d %d\n", s.Rows, s.Cols) })
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		defer stop()
		fmt.Println("ready")
		b := make([]byte, 1)
		os.Stdin.Read(b)
	}
}

// ptyPair is a pty whose slave side a test program runs on.
type ptyPair struct {
	t      *testing.T
	master *os.File
	slave  string
	lines  *bufio.Reader
}

func newTerm(t *testing.T) *ptyPair {
	m, s, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	name := s.Name()
	s.Close()
	t.Cleanup(func() { m.Close() })
	return &ptyPair{t: t, master: m, slave: name, lines: bufio.NewReader(m)}
}

// stty runs stty with args on the terminal and returns what it says.
func (tm *ptyPair) stty(args ...string) string {
	tm.t.Helper()
	f, err := os.OpenFile(tm.slave, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		tm.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("stty", args...)
	cmd.Stdin = f
	out, err := cmd.Output()
	if err != nil {
		tm.t.Fatalf("stty %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// start runs the test binary as helper mode on the terminal, as the
// leader of its session.
func (tm *ptyPair) start(mode string) *exec.Cmd {
	tm.t.Helper()
	f, err := os.OpenFile(tm.slave, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		tm.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GCAT_RAWTERM_HELPER="+mode)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		tm.t.Fatal(err)
	}
	tm.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// expect waits for a line containing want.
func (tm *ptyPair) expect(want string) {
	tm.t.Helper()
	got := make(chan string, 1)
	go func() {
		var seen []string
		for {
			l, err := tm.lines.ReadString('\n')
			seen = append(seen, l)
			if strings.Contains(l, want) || err != nil {
				got <- strings.Join(seen, "")
				return
			}
		}
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, want) {
			tm.t.Fatalf("no %q in %q", want, s)
		}
	case <-time.After(bound):
		tm.t.Fatalf("no %q within %v", want, bound)
	}
}

func wait(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- cmd.Wait() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(bound):
		t.Fatal("helper did not exit")
	}
	return nil
}

// TestRestoredOnEveryExit: the terminal's settings are those of before,
// whether the program returns normally or is ended by a signal.
func TestRestoredOnEveryExit(t *testing.T) {
	for _, tt := range []struct {
		name string
		end  func(*ptyPair, *exec.Cmd)
		sig  syscall.Signal // how the helper must end; 0: exit 0
	}{
		{"return", func(tm *ptyPair, _ *exec.Cmd) { tm.master.Write([]byte("q")) }, 0},
		{"SIGTERM", func(_ *ptyPair, c *exec.Cmd) { c.Process.Signal(syscall.SIGTERM) }, syscall.SIGTERM},
		{"SIGHUP", func(_ *ptyPair, c *exec.Cmd) { c.Process.Signal(syscall.SIGHUP) }, syscall.SIGHUP},
		{"SIGINT", func(_ *ptyPair, c *exec.Cmd) { c.Process.Signal(syscall.SIGINT) }, syscall.SIGINT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tm := newTerm(t)
			before := tm.stty("-g")
			cmd := tm.start("hold")
			tm.expect("ready")
			if raw := tm.stty("-g"); raw == before {
				t.Fatal("the helper's terminal is not raw")
			}
			if !strings.Contains(" "+tm.stty("-a")+" ", " -icanon ") {
				t.Error("raw mode left icanon on")
			}
			tt.end(tm, cmd)
			err := wait(t, cmd)
			var ee *exec.ExitError
			switch {
			case tt.sig == 0 && err != nil:
				t.Errorf("helper: %v", err)
			case tt.sig != 0 && (!errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != tt.sig):
				t.Errorf("helper ended with %v; want %v", err, tt.sig)
			}
			if after := tm.stty("-g"); after != before {
				t.Errorf("stty -g before %s\nafter %s", before, after)
			}
		})
	}
}

// TestRestoreIdempotent: Restore may be called again and concurrently.
func TestRestoreIdempotent(t *testing.T) {
	tm := newTerm(t)
	f, err := os.OpenFile(tm.slave, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before := tm.stty("-g")
	r, err := MakeRaw(f)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Restore(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Someone changes the mode after the restore: a second Restore
	// must not undo it.
	tm.stty("-echo")
	if err := r.Restore(); err != nil {
		t.Error(err)
	}
	if !strings.Contains(" "+tm.stty("-a")+" ", " -echo ") {
		t.Error("a second Restore acted again")
	}
	tm.stty("echo")
	if after := tm.stty("-g"); after != before {
		t.Errorf("stty -g before %s\nafter %s", before, after)
	}
}

// TestRestoreOnSignalsStop: stop ends the watch without restoring.
func TestRestoreOnSignalsStop(t *testing.T) {
	tm := newTerm(t)
	f, err := os.OpenFile(tm.slave, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := MakeRaw(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Restore()
	stop := r.RestoreOnSignals(syscall.SIGUSR1)
	stop()
	stop()
	if !strings.Contains(" "+tm.stty("-a")+" ", " -icanon ") {
		t.Error("stop restored the terminal")
	}
}

func TestMakeRawNotTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := MakeRaw(f); !errors.Is(err, ErrNotTerminal) {
		t.Errorf("err = %v", err)
	}
}

// TestWatchSizeKernel: a resize of the terminal reaches the program on it.
func TestWatchSizeKernel(t *testing.T) {
	tm := newTerm(t)
	cmd := tm.start("winch")
	tm.expect("ready")
	if err := pty.Setsize(tm.master, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	tm.expect("size 40 120")
	if err := pty.Setsize(tm.master, &pty.Winsize{Rows: 50, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	tm.expect("size 50 132")
	tm.master.Write([]byte("\n"))
	if err := wait(t, cmd); err != nil {
		t.Errorf("helper: %v", err)
	}
}

// TestWatchSize: one report per change, none for a signal without one, none
// after stop.
func TestWatchSize(t *testing.T) {
	tm := newTerm(t)
	f, err := os.OpenFile(tm.slave, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pty.Setsize(tm.master, &pty.Winsize{Rows: 24, Cols: 80})
	sizes := make(chan Size, 10)
	stop, err := WatchSize(f, func(s Size) { sizes <- s })
	if err != nil {
		t.Fatal(err)
	}
	winch := func(rows, cols uint16) {
		pty.Setsize(tm.master, &pty.Winsize{Rows: rows, Cols: cols})
		// The test is not on that terminal: signal as the kernel
		// would.
		unix.Kill(os.Getpid(), unix.SIGWINCH)
	}
	winch(24, 80) // no change
	winch(30, 100)
	select {
	case s := <-sizes:
		if s != (Size{Rows: 30, Cols: 100}) {
			t.Errorf("reported %+v; want 30x100", s)
		}
	case <-time.After(bound):
		t.Fatal("no size reported")
	}
	stop()
	stop()
	close(sizes) // a report after stop would panic
	winch(31, 101)
	if s, ok := <-sizes; ok {
		t.Errorf("unexpected report %+v", s)
	}
}
