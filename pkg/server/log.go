package server

import (
	"sync"
	"time"
)

// refusalsPerSecond bounds the lines about refused, shed and failed
// connections: a flood of them must not flood the log.
const refusalsPerSecond = 10

// limitedLog is the pipeline's Logger, with refused() for the lines a
// flood would multiply: past refusalsPerSecond in a second they are
// counted, and the count is said once the second is over.
type limitedLog struct {
	Logger
	mu         sync.Mutex
	window     time.Time // start of the current second
	n          int       // lines said in it
	suppressed int
	flush      *time.Timer
}

func newLimitedLog(l Logger) *limitedLog {
	if l == nil {
		l = nopLogger{}
	}
	return &limitedLog{Logger: l}
}

func (l *limitedLog) refused(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.window) >= time.Second {
		l.window, l.n = now, 0
	}
	if l.n < refusalsPerSecond {
		l.n++
		l.Infof(format, args...)
		return
	}
	l.suppressed++
	if l.flush == nil {
		l.flush = time.AfterFunc(l.window.Add(time.Second).Sub(now), l.report)
	}
}

// report says how many lines were held back.
func (l *limitedLog) report() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.flush != nil {
		l.flush.Stop()
		l.flush = nil
	}
	if l.suppressed > 0 {
		l.Infof("%d more refused, shed or failed connections in the last second", l.suppressed)
		l.suppressed = 0
	}
}

type nopLogger struct{}

func (nopLogger) Infof(string, ...any)  {}
func (nopLogger) Debugf(string, ...any) {}
func (nopLogger) Errorf(string, ...any) {}
