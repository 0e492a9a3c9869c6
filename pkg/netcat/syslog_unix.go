//go:build !windows && !plan9

package netcat

import "log/syslog"

// logToSyslog sends gcat's lines, and a child's stderr, to syslog (the
// daemon facility, tag "gcat"): in inetd mode, where stderr was the
// connection.
func (r *runner) logToSyslog() {
	w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_NOTICE, "gcat")
	if err != nil {
		return // no syslog here: the lines are lost, as they would be anyway
	}
	r.log.w, r.log.syslog = w, true
	r.cfg.Stderr = w
}
