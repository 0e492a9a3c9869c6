// Package ptyexec runs the program behind -e and -c on a new
// pseudo-terminal (--pty), for the programs that need one: shells with job
// control, REPLs, editors, sudo and passwd.
//
// The child is the leader of a new session whose controlling terminal is
// the pty; its stdin, stdout and stderr are that terminal, in sane mode
// (line editing, echo, ^C ^\ ^Z as signals, CR to NL on input, NL to CR NL
// on output). gcat keeps the master side: Child.Stdin is what the user
// types, Child.Stdout is what the terminal shows. The shape mirrors
// pkg/exec.Child, so one handler can drive either.
//
// End of input. A terminal has no end of file; its line discipline makes
// one from the EOF character (VEOF, ^D): a read that finds it at the start
// of a line returns 0 bytes. So Stdin.CloseWrite types that character after
// everything written before it, as a user presses ^D: once, or twice when
// the input did not end with a line end (the first only hands over the
// unfinished line). A program reading the terminal line by line (sh, cat,
// read) sees what it sees at the end of a pipe. A program reading key by
// key gets a ^D key: readline (bash, python) ends at an empty prompt, an
// editor does what it does with ^D. Like a ^D a user types ahead, one that
// arrives while the terminal reads lines and is read after a switch to key
// by key is lost (the line discipline has made it a NUL): bash -i, which
// reads lines while it runs a command, misses an end of input that comes
// before it is back at its prompt. Scripts for bash -i end with "exit";
// sh -i reads lines and ends at the end of input.
// If the terminal has no EOF character (stty eof undef), CloseWrite hangs
// the terminal up instead (see below). A hangup is not the rule because its
// SIGHUP overtakes the input: with `printf 'make\n' | gcat host`, the shell
// would be gone before it read "make", or make would be killed.
//
// End of output. Stdout reads until the last process holding the terminal
// has let go of it (EIO on Linux, end of file on the BSDs), so every byte
// the child wrote before it exited is delivered. A process the child left
// behind (a background job) may hold the terminal open without writing:
// once the child has exited, output that stays silent for OutputGrace ends
// the stream. From the child's exit on, writes to Stdin fail with EPIPE,
// like writes to a pipe whose reader has gone.
//
// Hanging up. Stop and Kill end a session that is still running the way a
// terminal's hangup does: SIGHUP and SIGCONT to the child's process group
// and to the terminal's foreground process group (an interactive shell
// passes the SIGHUP on to its jobs), then, if the child has not exited
// after StopGrace, SIGKILL to both. A child that has let go of the
// terminal (the output has ended) first gets StopGrace to exit by itself,
// as cat does after closing its stdio. The child is always reaped. Then the
// master is closed, which hangs the line up for whatever still holds the
// terminal: its reads and writes fail.
//
// The child's process group. When the child exits by itself, the kernel
// sends SIGHUP to the terminal's foreground process group, as when a login
// shell exits, and Stop sends SIGHUP to what is left of the child's own
// group. Processes that ignore SIGHUP (nohup) or left the session (setsid,
// a daemon) survive, as they survive the end of an ssh session.
//
// Ptys need a Unix system: Linux, macOS, the BSDs or Solaris/illumos; on
// Windows (whose ConPTY this package does not drive), AIX and Plan 9 Start
// returns ErrUnsupported.
package ptyexec
