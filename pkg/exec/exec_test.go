package exec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
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

func TestStartErrors(t *testing.T) {
	for _, argv := range [][]string{nil, {""}, {"/no/such/program"}, {"no-such-program-gcat"}} {
		_, err := Start(Spec{Argv: argv})
		var se *StartError
		if !errors.As(err, &se) {
			t.Errorf("Start(%q) = %v, want a StartError", argv, err)
		}
	}
}
