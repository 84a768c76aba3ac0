package testpeer

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Process is a daemon a test started: its own process group, its output
// collected, stopped by its PID.
type Process struct {
	name   string
	cmd    *exec.Cmd
	output *LogBuffer
	exited chan struct{}
}

// startProcess starts argv in dir in its own process group, so that
// stopping it by its PID also reaches the children it forks (NSD's xfrd and
// server processes). It does not register a cleanup: callers do.
func startProcess(name, dir string, argv []string) (*Process, error) {
	p := &Process{name: name, output: &LogBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// RunUntilReady starts argv (in dir, its own process group), waits until
// ready returns nil, and stops the process by its PID at the test's
// cleanup. The test fails, with the process's output, when the process
// exits first or ready has not succeeded within timeout. ready is polled
// every 50 ms.
func RunUntilReady(t testing.TB, dir string, argv []string, ready func() error, timeout time.Duration) *Process {
	t.Helper()
	p, err := startProcess(argv[0], dir, argv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return p
		}
		if p.hasExited() {
			t.Fatalf("testpeer: %s exited before it was ready (%v)\n%s", p.name, err, p.Log())
		}
		if time.Now().After(deadline) {
			t.Fatalf("testpeer: %s not ready within %s: %v\n%s", p.name, timeout, err, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Log returns what the process printed on stdout and stderr so far.
func (p *Process) Log() string { return p.output.String() }

// Pid is the process's id (and its process group's).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

func (p *Process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stop ends the process group by its PID: SIGTERM, then SIGKILL if it has
// not exited within ten seconds.
func (p *Process) stop(t testing.TB) {
	if p.hasExited() {
		return
	}
	pgid := -p.cmd.Process.Pid
	if err := syscall.Kill(pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Logf("testpeer: SIGTERM %s (pid %d): %v", p.name, p.cmd.Process.Pid, err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.exited
	}
	if t.Failed() {
		t.Logf("testpeer: %s log:\n%s", p.name, p.Log())
	}
}
