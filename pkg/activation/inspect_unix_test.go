//go:build unix

package activation

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// rawFD returns the descriptor under a net socket, without duplicating it.
func rawFD(t *testing.T, c syscall.Conn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		t.Fatal(err)
	}
	return fd
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	tcp, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	uln, err := net.Listen("unix", filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer uln.Close()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	ugram, err := net.ListenPacket("unixgram", filepath.Join(dir, "g"))
	if err != nil {
		t.Fatal(err)
	}
	defer ugram.Close()
	_, conn := tcpPair(t)
	seq, err := net.Listen("unixpacket", filepath.Join(dir, "p"))
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Close()
	bound, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(bound)
	if err := unix.Bind(bound, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	file, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	tests := []struct {
		name       string
		fd         int
		typ        Type
		family     Family
		listening  bool
		connected  bool
		wantErr    error
		wantInText string
	}{
		{"tcp listener", rawFD(t, tcp.(*net.TCPListener)), Stream, IPv4, true, false, nil, ""},
		{"unix listener", rawFD(t, uln.(*net.UnixListener)), Stream, Unix, true, false, nil, ""},
		{"udp", rawFD(t, udp.(*net.UDPConn)), Datagram, IPv4, false, false, nil, ""},
		{"unixgram", rawFD(t, ugram.(*net.UnixConn)), Datagram, Unix, false, false, nil, ""},
		{"tcp connection", rawFD(t, conn), Stream, IPv4, false, true, nil, ""},
		{"bound, not listening", bound, Stream, IPv4, false, false, nil, ""},
		{"seqpacket", rawFD(t, seq.(*net.UnixListener)), 0, 0, false, false, ErrSocketType, "seqpacket"},
		{"regular file", int(file.Fd()), 0, 0, false, false, ErrNotSocket, "a regular file"},
		{"closed", 1 << 20, 0, 0, false, false, ErrNotOpen, "fd 1048576: not an open descriptor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			si, err := inspect(tt.fd)
			if tt.wantErr != nil {
				var fe *FDError
				if !errors.As(err, &fe) || !errors.Is(err, tt.wantErr) || fe.FD != tt.fd {
					t.Fatalf("inspect = %v, %v; want an *FDError for fd %d wrapping %v", si, err, tt.fd, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantInText) {
					t.Fatalf("error %q does not say %q", err, tt.wantInText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if si.typ != tt.typ || si.family != tt.family || si.listening != tt.listening || si.connected != tt.connected {
				t.Fatalf("inspect = %+v; want %v %v listening=%v connected=%v", si, tt.typ, tt.family, tt.listening, tt.connected)
			}
		})
	}
}

func TestModeChecks(t *testing.T) {
	listener := &sockInfo{typ: Stream, family: IPv4, listening: true}
	conn := &sockInfo{typ: Stream, family: IPv4, connected: true}
	idle := &sockInfo{typ: Stream, family: IPv4}
	dgram := &sockInfo{typ: Datagram, family: IPv6}
	connDgram := &sockInfo{typ: Datagram, family: IPv6, connected: true}
	stream, datagram := Options{}, Options{Datagram: true}
	tests := []struct {
		name  string
		check func(*sockInfo, Options) error
		si    *sockInfo
		o     Options
		want  error
	}{
		{"listener: listening stream", listens, listener, stream, nil},
		{"listener: datagram", listens, dgram, datagram, nil},
		{"listener: datagram without -u", listens, dgram, stream, ErrDatagram},
		{"listener: stream with -u", listens, listener, datagram, ErrStream},
		{"listener: connected", listens, conn, stream, ErrConnected},
		{"listener: connected datagram", listens, connDgram, datagram, ErrConnected},
		{"listener: not listening", listens, idle, stream, ErrNotListening},
		{"inetd: connection", fitsInetd, conn, stream, nil},
		{"inetd: datagram", fitsInetd, dgram, datagram, nil},
		{"inetd: listening", fitsInetd, listener, stream, ErrListening},
		{"inetd: no peer", fitsInetd, idle, stream, ErrNotConnected},
		{"inetd: datagram without -u", fitsInetd, dgram, stream, ErrDatagram},
		{"inetd: connected datagram", fitsInetd, connDgram, datagram, ErrConnected},
		{"inetd: stream with -u", fitsInetd, conn, datagram, ErrStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(tt.si, tt.o)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("check = %v, want %v", err, tt.want)
			}
		})
	}
}

func listens(si *sockInfo, o Options) error { return fitsListener(3, si, o) }

func TestFDErrorText(t *testing.T) {
	_, conn := tcpPair(t)
	si, err := inspect(rawFD(t, conn))
	if err != nil {
		t.Fatal(err)
	}
	err = fitsListener(3, si, Options{})
	err.(*FDError).Name = "web"
	want := `fd 3 "web" (tcp4 ` + conn.LocalAddr().String() + ", peer " + conn.RemoteAddr().String() +
		"): a connected socket, not a listening one"
	if err.Error() != want {
		t.Fatalf("error = %q\nwant    %q", err, want)
	}
}
