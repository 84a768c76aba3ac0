package packaging

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"anycloud/internal/testenv"
)

// bootedTree is the installed tree booted with systemd-nspawn, in its own
// network namespace (only its loopback), so the units run under a real
// systemd with every hardening setting applied.
type bootedTree struct {
	nspawn *exec.Cmd
	leader int // the container's systemd, as the host sees it
}

// checkUnderSystemd boots the tree and drives the services as an operator
// would: a node without its key refuses to start and says why; with it, it
// runs as anycloud with CAP_NET_BIND_SERVICE and CAP_NET_ADMIN alone,
// answers on port 53, survives a reload, and puts a service address on lo
// and answers there; the hub starts and answers `anycloud hub status`.
func checkUnderSystemd(t *testing.T, root string) {
	needTool(t, "systemd-nspawn")
	needTool(t, "nsenter")
	needTool(t, "dig")
	key := filepath.Join(root, "etc/anycloud/keys/node.key")
	if err := os.Rename(key, key+".away"); err != nil {
		t.Fatal(err)
	}
	c := boot(t, root)
	defer c.poweroff(t)

	if out, err := c.run("systemctl", "start", "anycloud-node"); err == nil {
		t.Errorf("anycloud-node started without its key:\n%s", out)
	}
	if journal, _ := c.run("journalctl", "-u", "anycloud-node", "--no-pager"); !strings.Contains(journal, "hub.tsig") {
		t.Errorf("the journal does not say the key is missing:\n%s", journal)
	}
	if err := os.Rename(key+".away", key); err != nil {
		t.Fatal(err)
	}
	c.mustRun(t, "systemctl", "reset-failed", "anycloud-node")
	c.mustRun(t, "systemctl", "start", "anycloud-node")
	want := `"` + strings.TrimSpace(inTree(t, root, "anycloud", "version")) + `"`
	if got := c.waitForVersionBind(); got != want {
		t.Errorf("version.bind on 127.0.0.1:53 in the container: %q, want %q", got, want)
	}
	// Only once it answers: right after start, MainPID may still be
	// systemd's child setting up, before exec.
	c.checkPrivileges(t, "anycloud-node", "0000000000001400") // CAP_NET_ADMIN, CAP_NET_BIND_SERVICE
	c.mustRun(t, "systemctl", "reload", "anycloud-node")
	if state, _ := c.run("systemctl", "is-active", "anycloud-node"); strings.TrimSpace(state) != "active" {
		t.Errorf("anycloud-node is %q after a reload", state)
	}
	checkLoopbackUnderSystemd(t, c, root)

	c.mustRun(t, "systemctl", "start", "anycloud-hub")
	c.waitFor(t, "anycloud hub status", "anycloud", "hub", "status")
	c.checkPrivileges(t, "anycloud-hub", "0000000000000000")
	c.mustRun(t, "systemctl", "reload", "anycloud-hub")
}

// checkLoopbackUnderSystemd gives the node a service address it must put
// on lo itself (announce.loopback, as `anycloud node add` writes it) and
// restarts it under the unit: the sandbox and the capabilities must let it
// bind the address before it exists, add it to lo and answer there. Then
// the operator's node.yaml is put back.
func checkLoopbackUnderSystemd(t *testing.T, c *bootedTree, root string) {
	conf := filepath.Join(root, "etc/anycloud/node.yaml")
	orig := readFile(t, conf)
	listen := `listen: ["127.0.0.1:53", "[::1]:53"]`
	if !strings.Contains(orig, listen) {
		t.Fatalf("the installed node.yaml has no line %s to change:\n%s", listen, orig)
	}
	mode := strings.TrimSpace(c.mustRun(t, "stat", "-c", "%a", "/etc/anycloud/node.yaml"))
	put := func(text string) {
		writeFile(t, conf, text)
		c.mustRun(t, "chmod", mode, "/etc/anycloud/node.yaml")
		c.mustRun(t, "systemctl", "restart", "anycloud-node")
	}
	defer put(orig)
	put(strings.Replace(orig, listen, `listen: ["127.0.0.1:53", "198.51.100.53:53"]`, 1) +
		"announce:\n  local-as: 64500\n  router-id: 192.0.2.2\n  loopback: true\n  prefixes:\n    - {prefix: \"198.51.100.0/24\"}\n" +
		"  service: [\"198.51.100.53\"]\n  peers:\n    - {neighbor: \"192.0.2.1\", peer-as: 64501}\n")
	var out string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, _ = c.nsenter("-n", "dig", "+short", "+time=1", "+tries=1", "@198.51.100.53", "id.server", "CH", "TXT")
		if out = strings.TrimSpace(out); out == `"node.anycloud.invalid"` {
			break
		}
	}
	if out != `"node.anycloud.invalid"` {
		journal, _ := c.run("journalctl", "-u", "anycloud-node", "--no-pager", "-n", "15")
		t.Errorf("id.server from 198.51.100.53 under the unit: %q, want the nsid; journal:\n%s", out, journal)
	}
	if lo, _ := c.nsenter("-n", "ip", "-br", "addr", "show", "dev", "lo"); !strings.Contains(lo, "198.51.100.53/32") {
		t.Errorf("the node under the unit did not put 198.51.100.53 on lo:\n%s", lo)
	}
}

// boot starts systemd in the tree and waits, at most 30s, until it runs.
func boot(t *testing.T, root string) *bootedTree {
	t.Helper()
	cmd := exec.Command("systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--private-network",
		"--console=pipe", "-b", "-D", root)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &bootedTree{nspawn: cmd}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if c.leader == 0 {
			c.leader = findSystemd(cmd.Process.Pid, 3)
			continue
		}
		if state, _ := c.run("systemctl", "is-system-running"); strings.TrimSpace(state) == "running" ||
			strings.TrimSpace(state) == "degraded" {
			return c
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	testenv.Skipf(t, "systemd-nspawn did not boot the tree within 30s (containers not possible here?):\n%s", tail(logs.String(), 10))
	return nil
}

// findSystemd looks for the container's init among the descendants of pid.
func findSystemd(pid, depth int) int {
	comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if strings.TrimSpace(string(comm)) == "systemd" {
		return pid
	}
	if depth == 0 {
		return 0
	}
	children, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	for _, child := range strings.Fields(string(children)) {
		n, _ := strconv.Atoi(child)
		if found := findSystemd(n, depth-1); found != 0 {
			return found
		}
	}
	return 0
}

// run runs a command inside the container, bounded in time.
func (c *bootedTree) run(args ...string) (string, error) {
	return c.nsenter("-a", args...)
}

func (c *bootedTree) nsenter(namespaces string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(c.leader), namespaces}, args...)...).CombinedOutput()
	return string(out), err
}

func (c *bootedTree) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.run(args...)
	if err != nil {
		journal, _ := c.run("journalctl", "--no-pager", "-n", "20")
		t.Fatalf("%s in the container: %v\n%s\njournal:\n%s", strings.Join(args, " "), err, out, journal)
	}
	return out
}

// checkPrivileges reads the main process's status: the anycloud user, no
// new privileges, a seccomp filter, and exactly the capabilities wanted.
func (c *bootedTree) checkPrivileges(t *testing.T, unit, caps string) {
	t.Helper()
	pid := strings.TrimSpace(c.mustRun(t, "systemctl", "show", "-p", "MainPID", "--value", unit))
	user := strings.TrimSpace(c.mustRun(t, "ps", "-o", "user=", "-p", pid))
	status := c.mustRun(t, "cat", "/proc/"+pid+"/status")
	for _, want := range []string{"CapEff:\t" + caps, "CapBnd:\t" + caps, "NoNewPrivs:\t1", "Seccomp:\t2"} {
		if !strings.Contains(status, want+"\n") {
			t.Errorf("%s: /proc/%s/status lacks %q:\n%s", unit, pid, want, status)
		}
	}
	if user != "anycloud" {
		t.Errorf("%s runs as %q", unit, user)
	}
}

// waitForVersionBind asks the node on the container's loopback, with the
// host's dig in the container's network namespace, for at most 10s.
func (c *bootedTree) waitForVersionBind() string {
	var out string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, _ = c.nsenter("-n", "dig", "+short", "+time=1", "+tries=1", "@127.0.0.1", "version.bind", "CH", "TXT")
		if out = strings.TrimSpace(out); strings.HasPrefix(out, `"`) {
			break
		}
	}
	return out
}

func (c *bootedTree) waitFor(t *testing.T, what string, args ...string) {
	t.Helper()
	var out string
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if out, err = c.run(args...); err == nil {
			return
		}
	}
	t.Errorf("%s in the container: %v\n%s", what, err, out)
}

// poweroff shuts the container down, killing nspawn after 30s.
func (c *bootedTree) poweroff(t *testing.T) {
	c.run("systemctl", "poweroff")
	done := make(chan error, 1)
	go func() { done <- c.nspawn.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Log("the container did not power off within 30s; killing systemd-nspawn")
		c.nspawn.Process.Kill()
		<-done
	}
}
