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

// Cap is how many bytes the buffer has allocated: a test that bounds what a
// flood makes the logger write reads it before and after.
func (l *LogBuffer) Cap() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Cap()
}
