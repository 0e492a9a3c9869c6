package activation

import (
	"os"
	"slices"
	"strconv"
	"strings"
)

// The variables of both protocols. All are removed by Listeners.
var envVars = []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "UPSTART_FDS", "UPSTART_EVENTS"}

// listenFDsStart is SD_LISTEN_FDS_START: systemd's first descriptor.
const listenFDsStart = 3

// maxListenFDs bounds LISTEN_FDS. No service manager hands over that many
// sockets; the bound keeps a corrupt value from costing memory or time.
const maxListenFDs = 1 << 16

// handed is a descriptor a launcher says it handed over.
type handed struct {
	fd   int
	name string
}

// parseEnv reads both protocols' variables through lookup, for the process
// pid. It returns no descriptors, and no error, when the variables are
// absent or meant for another process; an *EnvError when they are
// malformed. The descriptors are in increasing order; one named by both
// protocols is listed once.
func parseEnv(lookup func(string) (string, bool), pid int) ([]handed, error) {
	fds, err := parseSystemd(lookup, pid)
	if err != nil {
		return nil, err
	}
	up, err := parseUpstart(lookup)
	if err != nil {
		return nil, err
	}
	if up != nil && !slices.ContainsFunc(fds, func(h handed) bool { return h.fd == up.fd }) {
		// Above systemd's range, as it is not in it: the order holds.
		fds = append(fds, *up)
	}
	return fds, nil
}

// parseSystemd follows sd_listen_fds_with_names(3): LISTEN_PID must be a
// valid pid and be ours, LISTEN_FDS a positive count, and LISTEN_FDNAMES,
// if set, hold one name per descriptor.
func parseSystemd(lookup func(string) (string, bool), pid int) ([]handed, error) {
	pidVal, ok := lookup("LISTEN_PID")
	if !ok {
		return nil, nil
	}
	p, err := strconv.Atoi(pidVal)
	if err != nil || p <= 0 {
		return nil, &EnvError{Var: "LISTEN_PID", Value: pidVal, Reason: "not a process id"}
	}
	if p != pid {
		return nil, nil
	}
	nVal, ok := lookup("LISTEN_FDS")
	if !ok {
		return nil, nil
	}
	n, err := strconv.Atoi(nVal)
	switch {
	case err != nil:
		return nil, &EnvError{Var: "LISTEN_FDS", Value: nVal, Reason: "not a number"}
	case n <= 0:
		return nil, &EnvError{Var: "LISTEN_FDS", Value: nVal, Reason: "not a positive count"}
	case n > maxListenFDs:
		return nil, &EnvError{Var: "LISTEN_FDS", Value: nVal, Reason: "more descriptors than any launcher hands over"}
	}
	names := make([]string, n)
	if v, ok := lookup("LISTEN_FDNAMES"); ok {
		names = strings.Split(v, ":")
		if len(names) != n {
			return nil, &EnvError{Var: "LISTEN_FDNAMES", Value: v,
				Reason: "not one name for each of LISTEN_FDS=" + nVal + " descriptors"}
		}
	}
	fds := make([]handed, n)
	for i := range fds {
		fds[i] = handed{fd: listenFDsStart + i, name: names[i]}
	}
	return fds, nil
}

// parseUpstart reads upstart's socket bridge protocol. UPSTART_FDS without
// "socket" among UPSTART_EVENTS was not set by the bridge for us (upstart
// has no LISTEN_PID): it is ignored.
func parseUpstart(lookup func(string) (string, bool)) (*handed, error) {
	v, ok := lookup("UPSTART_FDS")
	if !ok {
		return nil, nil
	}
	events, _ := lookup("UPSTART_EVENTS")
	if !slices.Contains(strings.Fields(events), "socket") {
		return nil, nil
	}
	fd, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return nil, &EnvError{Var: "UPSTART_FDS", Value: v, Reason: "not a descriptor number"}
	case fd < 3:
		return nil, &EnvError{Var: "UPSTART_FDS", Value: v, Reason: "a standard stream, not a handed-over socket"}
	}
	return &handed{fd: fd}, nil
}

// takeEnv reads the variables for this process and removes them all from
// the environment, whatever they held.
func takeEnv() ([]handed, error) {
	fds, err := parseEnv(os.LookupEnv, os.Getpid())
	for _, v := range envVars {
		os.Unsetenv(v)
	}
	return fds, err
}
