//go:build unix && !aix

package ptyexec

import (
	"os"

	"golang.org/x/sys/unix"
)

// sane puts the terminal in the state `stty sane` gives: line editing with
// the usual keys, echo, signals from the keyboard, CR read as NL and NL
// written as CR NL. A new pty is in about that state on most systems;
// setting it makes the child's terminal the same everywhere.
func sane(tty *os.File) error {
	return control(tty, func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
		if err != nil {
			return err
		}
		t.Iflag &^= unix.IGNBRK | unix.INLCR | unix.IGNCR | unix.IXOFF | unix.IXANY
		t.Iflag |= unix.BRKINT | unix.ICRNL | unix.IXON | unix.IMAXBEL
		t.Oflag &^= unix.OCRNL | unix.ONOCR | unix.ONLRET
		t.Oflag |= unix.OPOST | unix.ONLCR
		t.Cflag |= unix.CREAD
		t.Lflag &^= unix.ECHONL | unix.NOFLSH | unix.TOSTOP | unix.ECHOPRT
		t.Lflag |= unix.ISIG | unix.ICANON | unix.IEXTEN | unix.ECHO | unix.ECHOE |
			unix.ECHOK | unix.ECHOCTL | unix.ECHOKE
		for i, c := range map[int]byte{
			unix.VINTR:  ctrl('C'),
			unix.VQUIT:  ctrl('\\'),
			unix.VERASE: 0x7f,
			unix.VKILL:  ctrl('U'),
			unix.VEOF:   ctrl('D'),
			unix.VSTART: ctrl('Q'),
			unix.VSTOP:  ctrl('S'),
			unix.VSUSP:  ctrl('Z'),
		} {
			t.Cc[i] = c
		}
		return unix.IoctlSetTermios(fd, ioctlSetTermios, t)
	})
}
