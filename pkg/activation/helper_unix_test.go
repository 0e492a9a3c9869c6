//go:build unix

package activation

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The helper process: the test binary, re-executed by a launcher (the real
// systemd-socket-activate or the tests' own) with GCAT_ACTIVATION_HELPER
// set to a mode. It takes its sockets over with this package, serves one
// peer on each and reports what it found over the connection, as
// "key=value" lines. Failures are reported on stderr ("error=…",
// "reason=…") with exit status 3.
const helperEnv = "GCAT_ACTIVATION_HELPER"

// baselineEnv lists descriptors the helper inherits not from its launcher
// but from the test process's own parent; they are not reported as leaks.
const baselineEnv = "GCAT_ACTIVATION_BASELINE_FDS"

// helperWait bounds every wait in the helper, should its test fail.
const helperWait = time.Minute

func runHelper(mode string) int {
	var err error
	switch mode {
	case "listen", "listen-dgram":
		err = helpListen(Options{Datagram: mode == "listen-dgram"})
	case "inetd":
		err = helpInetd()
	case "inetd-close":
		err = helpInetdClose()
	case "inetd-dgram":
		err = helpInetdDatagram()
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error=%v\nreason=%s\n", err, reasonOf(err))
		return 3
	}
	return 0
}

// reasonOf names the typed cause of err, for the test to compare.
func reasonOf(err error) string {
	for name, reason := range map[string]error{
		"ErrNotOpen": ErrNotOpen, "ErrNotSocket": ErrNotSocket, "ErrFamily": ErrFamily,
		"ErrProtocol": ErrProtocol, "ErrSocketType": ErrSocketType, "ErrConnected": ErrConnected,
		"ErrNotListening": ErrNotListening, "ErrListening": ErrListening,
		"ErrNotConnected": ErrNotConnected, "ErrDatagram": ErrDatagram, "ErrStream": ErrStream,
	} {
		var fe *FDError
		if errors.Is(err, reason) && errors.As(err, &fe) {
			return fmt.Sprintf("%s fd=%d name=%s", name, fe.FD, fe.Name)
		}
	}
	var ee *EnvError
	if errors.As(err, &ee) {
		return "EnvError " + ee.Var
	}
	return "other"
}

func helpListen(o Options) error {
	socks, err := Listeners(o)
	if err != nil {
		return err
	}
	if len(socks) == 0 {
		fmt.Fprintf(os.Stderr, "none env=%s\n", activationEnv())
		return nil
	}
	for _, s := range socks {
		if err := serveOne(s); err != nil {
			return err
		}
	}
	for _, s := range socks {
		s.Close()
	}
	return nil
}

// serveOne reports on s to its first peer.
func serveOne(s *Socket) error {
	report := fmt.Sprintf("fd=%d\nname=%s\ntype=%v\nfamily=%v\nnetwork=%s\naddr=%v\nstring=%v\nenv=%s\nleaks=%s\n",
		s.FD, s.Name, s.Type, s.Family, s.Network(), s.Addr(), s, activationEnv(), inheritable())
	deadline := time.Now().Add(helperWait)
	if s.PacketConn != nil {
		s.PacketConn.SetDeadline(deadline)
		buf := make([]byte, 1024)
		n, from, err := s.PacketConn.ReadFrom(buf)
		if err != nil {
			return err
		}
		_, err = s.PacketConn.WriteTo([]byte(report+"got="+string(buf[:n])+"\n"), from)
		return err
	}
	s.Listener.(interface{ SetDeadline(time.Time) error }).SetDeadline(deadline)
	c, err := s.Listener.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = io.WriteString(c, report)
	return err
}

// helpInetd serves the connection on fd 0 with the half-close matrix: it
// reads to the peer's EOF, and only then sends its report and everything
// it read back, and shuts its side down.
func helpInetd() error {
	h, err := Inetd(Options{})
	if err != nil {
		return err
	}
	defer h.Close()
	leak()
	h.Conn.SetDeadline(time.Now().Add(helperWait))
	data, err := io.ReadAll(h.Conn)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(h.Conn, inetdReport(h)+"payload\n"); err != nil {
		return err
	}
	if _, err := h.Conn.Write(data); err != nil {
		return err
	}
	if err := h.Conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		return err
	}
	leak() // after the shutdown: on the socket this would be SIGPIPE
	return nil
}

// helpInetdClose closes the connection and then waits for the test's word
// (EOF on fd 3): the peer must see the end before the helper exits.
func helpInetdClose() error {
	h, err := Inetd(Options{})
	if err != nil {
		return err
	}
	leak()
	if _, err := io.WriteString(h.Conn, inetdReport(h)); err != nil {
		return err
	}
	if err := h.Close(); err != nil {
		return err
	}
	release := os.NewFile(3, "release")
	release.SetDeadline(time.Now().Add(helperWait))
	_, err = io.Copy(io.Discard, release)
	return err
}

func helpInetdDatagram() error {
	h, err := Inetd(Options{Datagram: true})
	if err != nil {
		return err
	}
	defer h.Close()
	h.PacketConn.SetDeadline(time.Now().Add(helperWait))
	buf := make([]byte, 1024)
	n, from, err := h.PacketConn.ReadFrom(buf)
	if err != nil {
		return err
	}
	_, err = h.PacketConn.WriteTo([]byte(inetdReport(h)+"got="+string(buf[:n])+"\n"), from)
	return err
}

func inetdReport(h *Handover) string {
	remote := ""
	if h.Conn != nil {
		remote = h.Conn.RemoteAddr().String()
	}
	return fmt.Sprintf("network=%s\nlocal=%v\nremote=%s\nstdout-was-conn=%v\nstderr-was-conn=%v\nfd0=%s\nfd1=%s\nleaks=%s\n",
		h.Network(), h.Addr(), remote, h.StdoutWasConn, h.StderrWasConn, devNullOrNot(0), devNullOrNot(1), inheritable())
}

// leak writes to stdout, and to stderr where that was the connection:
// none of it may reach the peer.
func leak() {
	fmt.Fprintln(os.Stdout, "LEAK on stdout")
	if ok, _ := sameFileAsDevNull(2); ok {
		fmt.Fprintln(os.Stderr, "LEAK on stderr")
	}
}

// activationEnv lists the activation variables left in the environment,
// which children would inherit.
func activationEnv() string {
	var left []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LISTEN_") || strings.HasPrefix(kv, "UPSTART_FDS=") || strings.HasPrefix(kv, "UPSTART_EVENTS=") {
			left = append(left, kv)
		}
	}
	return strings.Join(left, ",")
}

// inheritable lists the descriptors above 2 that a child would inherit
// (open, and not close-on-exec), but for those in $GCAT_ACTIVATION_BASELINE_FDS.
func inheritable() string {
	baseline := strings.Split(os.Getenv(baselineEnv), ",")
	var fds []string
	for fd := 3; fd < 1024; fd++ {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 && !slices.Contains(baseline, fmt.Sprint(fd)) {
			fds = append(fds, fmt.Sprint(fd))
		}
	}
	return strings.Join(fds, ",")
}

func devNullOrNot(fd int) string {
	ok, err := sameFileAsDevNull(fd)
	switch {
	case err != nil:
		return err.Error()
	case ok:
		return "null"
	}
	return "other"
}

func sameFileAsDevNull(fd int) (bool, error) {
	var st, null unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false, err
	}
	if err := unix.Stat(os.DevNull, &null); err != nil {
		return false, err
	}
	return st.Rdev == null.Rdev && st.Mode&unix.S_IFMT == unix.S_IFCHR, nil
}
