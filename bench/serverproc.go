package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// serverProc is one running server started by the harness. Only the PIDs
// recorded here (the root and the descendants seen while it ran) are ever
// signalled.
type serverProc struct {
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{} // closed once the root process has been reaped
	waitErr error
	logPath string
	seen    map[int]procStat // descendants seen so far, by PID
}

// startServer runs argv pinned to cpu with taskset, which execs the
// server in place, so the PID we hold is the server's own.
func startServer(argv []string, cpu, dir string) (*serverProc, error) {
	logPath := filepath.Join(dir, "server.out")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
	}
	defer logFile.Close()
	full := append([]string{"taskset", "-c", cpu}, argv...)
	cmd := exec.Command(full[0], full[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p := &serverProc{cmd: cmd, done: make(chan struct{}), logPath: logPath, seen: map[int]procStat{}}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *serverProc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the root process has ended, with its status.
func (p *serverProc) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// tree snapshots the process tree and remembers every member for stop.
func (p *serverProc) tree() []procStat {
	t := processTree(p.pid())
	for _, st := range t {
		p.seen[st.pid] = st
	}
	return t
}

// logTail returns the last lines the server printed, for error messages.
func (p *serverProc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

// stop sends SIGTERM to the root, waits up to grace, then SIGKILLs the
// root and any descendant that is still the same process (same start time).
func (p *serverProc) stop(grace time.Duration) error {
	p.tree()
	if done, _ := p.exited(); done {
		return p.killLeftovers()
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	// Give forked children a moment to follow their parent out.
	deadline := time.Now().Add(grace)
	for p.leftovers() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	return p.killLeftovers()
}

// stillRunning tells whether a recorded descendant is alive and is still
// the process we saw (a PID can be reused once a process is gone).
func (p *serverProc) stillRunning(pid int, seen procStat) bool {
	cur, err := readProcStat(pid)
	return err == nil && pid != p.pid() && cur.startTime == seen.startTime && cur.state != 'Z'
}

func (p *serverProc) leftovers() int {
	n := 0
	for pid, st := range p.seen {
		if p.stillRunning(pid, st) {
			n++
		}
	}
	return n
}

func (p *serverProc) killLeftovers() error {
	var errs []error
	for pid, st := range p.seen {
		if !p.stillRunning(pid, st) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("kill %d: %w", pid, err))
		}
	}
	// SIGKILL is delivered asynchronously; wait (bounded) until it took.
	deadline := time.Now().Add(2 * time.Second)
	for p.leftovers() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := p.leftovers(); n > 0 {
		errs = append(errs, fmt.Errorf("%d server processes survived SIGKILL", n))
	}
	return errors.Join(errs...)
}
