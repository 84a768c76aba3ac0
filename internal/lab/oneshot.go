package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// runToCompletion runs a Wait command inside h's namespace, logging to
// logFile, and fails with the log's tail when it fails or overruns.
func runToCompletion(h Host, cmd Command, logFile string, timeout time.Duration) error {
	out, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: log: %w", cmd.Name, err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Namespace}, cmd.Argv...)...)
	c.Env = append(os.Environ(), cmd.Env...)
	c.Stdout, c.Stderr = out, out
	if err := c.Run(); err != nil {
		data, _ := os.ReadFile(logFile)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 20 {
			lines = lines[len(lines)-20:]
		}
		return fmt.Errorf("%s in %s: %w\n%s", cmd.Name, h.Name, err, strings.Join(lines, "\n"))
	}
	return nil
}
