package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Exec runs argv inside lab host name (a city slug for its client,
// node-<city>, router-<city>, hub, hub2, hub3, noc, primary-<zone>) with the given stdio,
// and returns its error (an *exec.ExitError carries the exit code).
func Exec(ctx context.Context, stateDir, name string, argv []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(argv) == 0 {
		return fmt.Errorf("lab exec %s: no command", name)
	}
	st, err := LoadState(stateDir)
	if err != nil {
		return err
	}
	ns, err := st.namespaceOf(name)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	// The CLI reads the hub's control token from the file the hub's
	// configuration implies, never from the server: name the host's.
	if conf := filepath.Join(stateDir, name, "hub.yaml"); fileExists(conf) {
		cmd.Env = append(os.Environ(), "ANYCLOUD_HUB_CONFIG="+conf)
	}
	return cmd.Run()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
