package announce

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"anycloud/internal/testenv"
)

// requireNetnsTools skips unless the test can build namespaces and run BIRD.
func requireNetnsTools(t *testing.T) {
	t.Helper()
	testenv.Interop(t, "bird")
	testenv.RequireRoot(t, "network namespaces")
	testenv.RequireCommand(t, "ip", "bird", "birdc")
}

// run executes a command and fails the test on error.
func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newNetns creates a namespace with lo up and removes it at cleanup.
func newNetns(t *testing.T, name string) {
	t.Helper()
	run(t, "ip", "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	run(t, "ip", "-n", name, "link", "set", "lo", "up")
}

// veth links interface aIf of namespace a to interface bIf of namespace b,
// puts aAddr and bAddr ("192.0.2.1/30") on them and brings both up.
func veth(t *testing.T, a, aIf, aAddr, b, bIf, bAddr string) {
	t.Helper()
	run(t, "ip", "-n", a, "link", "add", "name", aIf, "type", "veth", "peer", "name", bIf, "netns", b)
	for _, c := range [][]string{
		{"-n", a, "addr", "add", aAddr, "dev", aIf},
		{"-n", a, "link", "set", aIf, "up"},
		{"-n", b, "addr", "add", bAddr, "dev", bIf},
		{"-n", b, "link", "set", bIf, "up"},
	} {
		run(t, append([]string{"ip"}, c...)...)
	}
}

// startInNetns starts a process inside ns and stops it (by its PID) at cleanup.
func startInNetns(t *testing.T, ns string, env []string, logFile string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logFile)
			t.Logf("%s log:\n%s", args[0], tail(string(data), 3000))
		}
	})
	return cmd
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// waitFor polls cond every 50 ms until it holds or limit passes, and
// returns how long it took.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", limit, what)
	return 0
}

func nsName(t *testing.T, role string) string {
	return fmt.Sprintf("acann%d-%s", os.Getpid()%100000, role)
}
