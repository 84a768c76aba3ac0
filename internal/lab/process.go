package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startProcess starts argv inside namespace ns in its own session (so it
// outlives `lab up`), logs to logFile and records its PID in the state
// before returning.
func (s *State) startProcess(name, host, ns string, argv, env []string, logFile string) error {
	out, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: log: %w", name, err)
	}
	defer out.Close()
	// `ip netns exec` enters the namespace and execs argv in the same PID;
	// ns "" is the host namespace (the dashboard forwarder only).
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
	if ns == "" {
		cmd = exec.Command(argv[0], argv[1:]...)
	}
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	go cmd.Wait() // reap it if it dies while this process lives
	start, _ := procStartTime(cmd.Process.Pid)
	return s.addProcess(Process{Name: name, Host: host, Namespace: ns, PID: cmd.Process.Pid, StartTime: start, Argv: argv, Env: env, Log: logFile})
}

// procStartTime reads field 22 of /proc/PID/stat (start time in clock
// ticks), which tells a live process from a later one reusing its PID.
func procStartTime(pid int) (uint64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: skip past its ')'.
	rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 20 {
		return 0, errors.New("short stat")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// alive reports whether p still runs (zombies count as gone) and is the
// process the lab started.
func (p Process) alive() bool {
	st, err := procStartTime(p.PID)
	if err != nil || st != p.StartTime {
		return false
	}
	data, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.PID), "stat"))
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return false
}

// stopProcesses sends SIGTERM to every live recorded process, waits up to
// grace for them to exit, then sends SIGKILL to the rest.
func stopProcesses(procs []Process, grace time.Duration) {
	for i := len(procs) - 1; i >= 0; i-- {
		if procs[i].alive() {
			syscall.Kill(procs[i].PID, syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && anyAlive(procs) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, p := range procs {
		if p.alive() {
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
	}
}

func anyAlive(procs []Process) bool {
	for _, p := range procs {
		if p.alive() {
			return true
		}
	}
	return false
}
