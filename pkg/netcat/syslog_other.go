//go:build windows || plan9

package netcat

// logToSyslog does nothing: this system has no syslog, and no inetd mode
// either (activation.Inetd refuses it).
func (r *runner) logToSyslog() {}
