package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Down stops every process the lab recorded, then removes every namespace
// it created and its state directory. Processes still inside a lab
// namespace (started there by `lab exec` or by a node) are killed by PID
// first: the namespaces are the lab's own. Down is idempotent.
func Down(ctx context.Context, stateDir string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st, err := LoadState(stateDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil // nothing up
	}
	if err != nil {
		return err
	}
	stopProcesses(st.Processes, 3*time.Second)
	var errs []error
	for i := len(st.Namespaces) - 1; i >= 0; i-- {
		if err := removeNamespace(ctx, st.Namespaces[i]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, os.RemoveAll(stateDir))
	}
	log.Info("lab down", "namespaces", len(st.Namespaces), "processes", len(st.Processes))
	return errors.Join(errs...)
}

// removeNamespace kills what still runs in ns, by PID, and deletes it.
func removeNamespace(ctx context.Context, ns string) error {
	if !namespaceExists(ns) {
		return nil
	}
	out, _ := exec.CommandContext(ctx, "ip", "netns", "pids", ns).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if err := ip(ctx, "netns", "del", ns); err != nil {
		return fmt.Errorf("removing namespace %s: %w", ns, err)
	}
	return nil
}
