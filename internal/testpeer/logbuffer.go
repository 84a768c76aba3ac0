package testpeer

import (
	"bytes"
	"sync"
)

// LogBuffer collects a process's or a logger's output for a test; it is
// safe to write from several goroutines (a daemon's two output pipes, a
// logger) while the test reads it.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
