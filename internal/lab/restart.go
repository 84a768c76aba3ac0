package lab

import (
	"errors"
	"fmt"
	"time"
)

// Restart stops the recorded process called name on host (e.g. "hub hub",
// "knotd primary-sv") with SIGTERM (SIGKILL after 10 s), runs between
// while it is stopped (nil: nothing), and starts it again with the same
// command, environment and log, recording its new PID. The process is
// started again even when between fails; both errors are returned.
func Restart(stateDir, host, name string, between func() error) error {
	st, err := LoadState(stateDir)
	if err != nil {
		return err
	}
	var p Process
	keep := []Process{}
	for _, q := range st.Processes {
		if q.Host == host && q.Name == name && p.PID == 0 && q.alive() {
			p = q
			continue
		}
		keep = append(keep, q)
	}
	if p.PID == 0 {
		return fmt.Errorf("lab restart: no live process %q on %s", name, host)
	}
	stopProcesses([]Process{p}, 10*time.Second)
	waitGone(p, 2*time.Second)
	var errs []error
	if between != nil {
		errs = append(errs, between())
	}
	st.Processes = keep
	errs = append(errs, st.startProcess(p.Name, p.Host, p.Namespace, p.Argv, p.Env, p.Log))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("lab restart %s on %s: %w", name, host, err)
	}
	return nil
}
