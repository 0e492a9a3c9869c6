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
// End of input. A terminal has no end of file of its own. When the input
// ends (the client's EOF), Stdin.CloseWrite hangs the terminal up, as when
// an ssh session drops: SIGHUP and SIGCONT to the child's process group and
// to the terminal's foreground process group (an interactive shell passes
// the SIGHUP on to its jobs). Unlike closing the master, this hangup keeps
// the line open for output: what the child writes in answer (a "saving"
// message, a shell's last words) is delivered. Whatever the child had not
// read yet is not: the SIGHUP overtakes it. Clients that script a session
// keep their write side open (ncat's --no-shutdown) and end it with "exit".
//
// Why not the EOF character? With Spec.EOFKey, CloseWrite instead types
// the terminal's EOF character (VEOF, ^D) after the input, once, or twice
// after an unfinished line, as a user presses ^D: a program reading lines
// (sh, cat) sees the end of a pipe, readline at an empty prompt exits. But
// an editor takes ^D as a key and runs on, and a ^D that arrives while the
// terminal reads lines and is read after a switch to key by key becomes a
// NUL (bash -i, which reads lines while it runs a command): such a session
// outlives its client, which a server must not allow by default. If the
// terminal has no EOF character (stty eof undef), EOFKey hangs up too.
//
// End of output. Stdout reads until the last process holding the terminal
// has let go of it (EIO on Linux, end of file on the BSDs), so every byte
// the child wrote before it exited is delivered. A process the child left
// behind (a background job) may hold the terminal open without writing:
// once the child has exited, output that stays silent for OutputGrace ends
// the stream. From the child's exit on, writes to Stdin fail with EPIPE,
// like writes to a pipe whose reader has gone.
//
// Stopping. Stop and Kill end a session that is still running with the
// hangup above, then, if the child has not exited after StopGrace, SIGKILL
// to both process groups. A child that has let go of the terminal (the
// output has ended) first gets StopGrace to exit by itself, as cat does
// after closing its stdio. The child is always reaped. Then the master is
// closed, which hangs the line up for whatever still holds the terminal:
// its reads and writes fail.
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
