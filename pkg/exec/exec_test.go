package exec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const bound = 30 * time.Second

// TestMain lets the test binary act as the child (os/exec's helper-process
// pattern): GCAT_EXEC_HELPER selects a behaviour.
func TestMain(m *testing.M) {
	switch os.Getenv("GCAT_EXEC_HELPER") {
	case "":
		os.Exit(m.Run())
	case "upper": // a filter: stdin upper-cased to stdout, then exit
		b, _ := io.ReadAll(os.Stdin)
		os.Stdout.Write([]byte(strings.ToUpper(string(b))))
	case "env":
		fmt.Println(os.Getenv("NCAT_REMOTE_ADDR"), os.Getenv("GCAT_EXTRA"))
	case "stderr":
		fmt.Fprint(os.Stderr, "to stderr")
	case "stubborn": // ignores EOF and SIGTERM
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		time.Sleep(time.Hour)
	case "grandchild": // leaves a process holding stdout, then exits
		self, _ := os.Executable()
		p, err := os.StartProcess(self, []string{self}, &os.ProcAttr{
			Env:   []string{"GCAT_EXEC_HELPER=sleeper"},
			Files: []*os.File{nil, os.Stdout, os.Stderr},
		})
		if err != nil {
			os.Exit(3)
		}
		fmt.Println(p.Pid)
	case "sleeper":
		time.Sleep(time.Hour)
	}
	os.Exit(0)
}

func helper(t *testing.T, mode string) Spec {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Argv: []string{self}, Env: []string{"GCAT_EXEC_HELPER=" + mode}}
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); ch <- string(b) }()
	select {
	case s := <-ch:
		return s
	case <-time.After(bound):
		t.Fatal("child output did not end")
	}
	return ""
}

func TestFilterSeesEOF(t *testing.T) {
	c, err := Start(helper(t, "upper"))
	if err != nil {
		t.Fatal(err)
	}
	c.Stdin.Write([]byte("hello"))
	c.Stdin.Close() // the child's EOF: it only answers after it
	if got := readAll(t, c.Stdout); got != "HELLO" {
		t.Fatalf("got %q", got)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestEnv(t *testing.T) {
	s := helper(t, "env")
	s.Env = append(s.Env, "NCAT_REMOTE_ADDR=127.0.0.9", "GCAT_EXTRA=x")
	c, err := Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if got := readAll(t, c.Stdout); got != "127.0.0.9 x\n" {
		t.Fatalf("got %q", got)
	}
}

func TestStderrGoesToSpecStderr(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	s := helper(t, "stderr")
	s.Stderr = w
	c, err := Start(s)
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if got := readAll(t, r); got != "to stderr" {
		t.Fatalf("stderr %q", got)
	}
}

// TestStopEscalates: a child that ignores EOF and SIGTERM is killed.
func TestStopEscalates(t *testing.T) {
	s := helper(t, "stubborn")
	s.StopGrace = 50 * time.Millisecond
	c, err := Start(s)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(c.Stdout).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("child said %q", line)
	}
	done := make(chan error, 1)
	go func() { done <- c.Stop() }()
	select {
	case err := <-done:
		var ee interface{ Sys() any }
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("Stop = %v, want death by SIGKILL", err)
		}
	case <-time.After(bound):
		t.Fatal("Stop did not return")
	}
}

// TestGrandchildHoldingStdout: once the child has exited, a grandchild that
// keeps the pipe open but silent does not keep the output open forever, and
// Stop ends the grandchild too.
func TestGrandchildHoldingStdout(t *testing.T) {
	s := helper(t, "grandchild")
	s.OutputGrace = 50 * time.Millisecond
	c, err := Start(s)
	if err != nil {
		t.Fatal(err)
	}
	out := readAll(t, c.Stdout) // ends by the grace, not by the pipe
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("child said %q", out)
	}
	c.Stop()
	deadline := time.Now().Add(bound)
	for syscall.Kill(pid, 0) == nil {
		// The grandchild is not our child: poll for it to vanish.
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still alive after Stop", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartErrors(t *testing.T) {
	for _, argv := range [][]string{nil, {""}, {"/no/such/program"}, {"no-such-program-gcat"}} {
		_, err := Start(Spec{Argv: argv})
		var se *StartError
		if !errors.As(err, &se) {
			t.Errorf("Start(%q) = %v, want a StartError", argv, err)
		}
	}
}
