package packaging

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// debootstrapInclude are the packages the clean tree gets beyond minbase:
// systemd so that `systemd-analyze verify --root` finds the targets the
// units need (and postinst takes its systemd-sysusers path), procps for the
// /bin/kill of ExecReload (the package depends on it).
const debootstrapInclude = "systemd,procps"

// TestInstallInCleanTree installs the package with dpkg in a fresh Debian
// bookworm tree, then checks what an operator gets: the user, the key
// directory, configs that pass --check, a binary that serves a zone as the
// anycloud user, units that pass systemd-analyze and run under systemd
// (systemd-nspawn), an upgrade that keeps the
// operator's edits, and a purge that leaves nothing of the package behind.
//
// The tree comes from debootstrap once (about a minute, 240 MB) and is
// cached under $TMPDIR/anycloud-pkgtest; each run copies it (a few seconds).
func TestInstallInCleanTree(t *testing.T) {
	testenv.RequireRoot(t, "dpkg and chroot into a debootstrap tree")
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		testenv.Skipf(t, "no package for this machine's architecture %s", runtime.GOARCH)
	}
	root := cleanTree(t)
	deb := debFile(t, dist(t), runtime.GOARCH)
	installDeb(t, root, deb)

	t.Run("user and key directory", func(t *testing.T) { checkUser(t, root) })
	t.Run("configs check with keys", func(t *testing.T) { checkConfigs(t, root) })
	t.Run("serves a zone", func(t *testing.T) { checkServes(t, root) })
	t.Run("units verify", func(t *testing.T) { checkUnits(t, root) })
	t.Run("runs under systemd", func(t *testing.T) { checkUnderSystemd(t, root) })
	t.Run("upgrade keeps conffiles", func(t *testing.T) { checkUpgrade(t, root, deb) })
	t.Run("purge", func(t *testing.T) { checkPurge(t, root) })
}

// cleanTree returns a fresh copy of the cached debootstrap tree.
func cleanTree(t *testing.T) string {
	t.Helper()
	base := debootstrapTree(t)
	root := filepath.Join(t.TempDir(), "root")
	start := time.Now()
	output(t, "cp", "-a", base, root)
	t.Logf("copied the clean tree in %v", time.Since(start).Round(time.Millisecond))
	return root
}

// debootstrapTree makes the cached tree if it is missing, or skips the test
// when debootstrap is missing or cannot fetch from the mirror.
func debootstrapTree(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ANYCLOUD_DEBOOTSTRAP_CACHE")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "anycloud-pkgtest", "bookworm-minbase-"+strings.ReplaceAll(debootstrapInclude, ",", "-"))
	}
	if _, err := os.Stat(filepath.Join(dir, "usr/bin/dpkg")); err == nil {
		return dir
	}
	mirror := os.Getenv("ANYCLOUD_DEBIAN_MIRROR")
	if mirror == "" {
		mirror = "http://deb.debian.org/debian"
	}
	testenv.Internet(t, "debootstrap bookworm from "+mirror+" into "+dir)
	needTool(t, "debootstrap")
	partial := dir + ".partial"
	os.RemoveAll(partial)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include="+debootstrapInclude,
		"bookworm", partial, mirror).CombinedOutput()
	if err != nil {
		os.RemoveAll(partial)
		testenv.Skipf(t, "debootstrap bookworm from %s failed (%v); no clean tree to install into:\n%s", mirror, err, tail(string(out), 10))
	}
	if err := os.Rename(partial, dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("debootstrap made %s in %v", dir, time.Since(start).Round(time.Second))
	return dir
}

func installDeb(t *testing.T, root, deb string) {
	t.Helper()
	data, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "tmp", "anycloud.deb"), string(data))
	inTree(t, root, "dpkg", "-i", "--force-confold", "/tmp/anycloud.deb")
}

// inTree runs a command in the tree as root; the output ends the test on
// failure.
func inTree(t *testing.T, root string, args ...string) string {
	t.Helper()
	return output(t, "chroot", append([]string{root}, args...)...)
}

// asAnycloud runs a command in the tree as the anycloud user.
func asAnycloud(root string, args ...string) *exec.Cmd {
	return exec.Command("chroot", append([]string{"--userspec=anycloud:anycloud", root}, args...)...)
}

func checkUser(t *testing.T, root string) {
	entry := inTree(t, root, "getent", "passwd", "anycloud")
	if !strings.Contains(entry, ":/var/lib/anycloud:/usr/sbin/nologin") {
		t.Errorf("anycloud user: %q", entry)
	}
	keys := inTree(t, root, "stat", "-c", "%A %U:%G", "/etc/anycloud/keys")
	if strings.TrimSpace(keys) != "drwxr-x--- root:anycloud" {
		t.Errorf("/etc/anycloud/keys is %q, want drwxr-x--- root:anycloud", keys)
	}
	state := inTree(t, root, "stat", "-c", "%A %U:%G", "/var/lib/anycloud")
	if strings.TrimSpace(state) != "drwxr-x--- anycloud:anycloud" {
		t.Errorf("/var/lib/anycloud is %q", state)
	}
}

// checkConfigs puts keys where the installed configs expect them, owned by
// anycloud with mode 0600 as docs/install.md says, and runs --check as the
// user the units run as.
func checkConfigs(t *testing.T, root string) {
	for _, key := range []string{"node.key", "example.key"} {
		path := filepath.Join(root, "etc/anycloud/keys", key)
		writeFile(t, path, "EJmGQ0ge3xJzvgZbYJAshVbJPRaEsSD8yhf7OHEvn8c=\n")
		inTree(t, root, "chown", "anycloud:anycloud", "/etc/anycloud/keys/"+key)
	}
	for _, role := range []string{"node", "hub"} {
		out, err := asAnycloud(root, "anycloud", role, "--config", "/etc/anycloud/"+role+".yaml", "--check").CombinedOutput()
		if err != nil {
			t.Errorf("anycloud %s --check as anycloud: %v\n%s", role, err, out)
		}
	}
}

// checkServes runs the installed binary as the anycloud user on a loopback
// port with a sample zone from the package's examples and queries it.
func checkServes(t *testing.T, root string) {
	addr := testpeer.FreeAddr(t)
	cmd := asAnycloud(root, "anycloud", "serve", "--listen", addr,
		"--zone", "sv.=/usr/share/doc/anycloud/examples/zones/sv.zone", "--nsid", "pkgtest")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	soa := waitForAnswer(t, addr, "sv.", dns.TypeSOA, dns.ClassINET)
	if soa == nil {
		t.Fatalf("no authoritative SOA for sv. from the installed binary within 10s; its log:\n%s", logs.String())
	}
	if a := query(addr, "web.sv.", dns.TypeA, dns.ClassINET); a == nil || len(a.Answer) != 1 || a.Answer[0].(*dns.A).A.String() != "192.0.2.80" {
		t.Errorf("web.sv. A: %v", a)
	}
	want := strings.TrimSpace(inTree(t, root, "anycloud", "version"))
	vb := query(addr, "version.bind.", dns.TypeTXT, dns.ClassCHAOS)
	if vb == nil || len(vb.Answer) != 1 || strings.Join(vb.Answer[0].(*dns.TXT).Txt, "") != want {
		t.Errorf("version.bind: %v, want %q", vb, want)
	}
	if !strings.Contains(want, "(") || strings.Contains(want, "(unknown)") {
		t.Logf("the package's binary does not name its commit: %q", want)
	}
}

// waitForAnswer polls, at most 10s, until the server gives an authoritative
// NOERROR answer.
func waitForAnswer(t *testing.T, addr, name string, qtype, class uint16) *dns.Msg {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r := query(addr, name, qtype, class); r != nil && r.Authoritative && r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0 {
			return r
		}
	}
	return nil
}

func query(addr, name string, qtype, class uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Question[0].Qclass = class
	c := &dns.Client{Timeout: time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return nil
	}
	return r
}

// checkUnits runs systemd-analyze on the installed units against the tree:
// verify must be silent, and the exposure score must stay "OK" (below 3.0).
// A broken copy of a unit must fail verify, so the check can fail.
func checkUnits(t *testing.T, root string) {
	needTool(t, "systemd-analyze")
	env := append(os.Environ(), "MANPATH="+filepath.Join(root, "usr/share/man"))
	units := []string{"anycloud-node.service", "anycloud-hub.service"}
	out, err := analyze(env, append([]string{"verify", "--root=" + root}, units...)...)
	if err != nil || out != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, unit := range units {
		if out, err := analyze(env, "security", "--offline=yes", "--threshold=30", "--root="+root, unit); err != nil {
			t.Errorf("systemd-analyze security %s: %v\n%s", unit, err, tail(out, 3))
		}
	}
	good := readFile(t, filepath.Join(root, "usr/lib/systemd/system/anycloud-node.service"))
	bad := strings.Replace(good, "ExecStart=/usr/bin/anycloud", "ExecStart=/usr/bin/anycloud-missing", 1)
	writeFile(t, filepath.Join(root, "etc/systemd/system/anycloud-broken.service"), bad)
	defer os.Remove(filepath.Join(root, "etc/systemd/system/anycloud-broken.service"))
	if out, err := analyze(env, "verify", "--root="+root, "anycloud-broken.service"); err == nil {
		t.Errorf("systemd-analyze verify accepted a unit whose binary is missing:\n%s", out)
	}
}

func analyze(env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemd-analyze", args...)
	cmd.Env, cmd.Dir = env, os.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// checkUpgrade installs a package with a higher version over the first one:
// the operator's edit of a conffile survives and the version changes.
func checkUpgrade(t *testing.T, root, deb string) {
	conf := filepath.Join(root, "etc/anycloud/node.yaml")
	edited := readFile(t, conf) + "# edited by the operator\n"
	writeFile(t, conf, edited)
	old := strings.TrimSpace(output(t, "dpkg-deb", "-f", deb, "Version"))
	next := old + "+upgrade1"
	dir := t.TempDir()
	if err := runBuild(dir, []string{"ARCHES=" + runtime.GOARCH, "DEB_VERSION=" + next}); err != nil {
		t.Fatalf("building %s: %v", next, err)
	}
	installDeb(t, root, debFile(t, dir, runtime.GOARCH))
	if got := inTree(t, root, "dpkg-query", "-W", "-f=${Version}", "anycloud"); got != next {
		t.Errorf("installed version %q after the upgrade, want %q", got, next)
	}
	if readFile(t, conf) != edited {
		t.Errorf("the upgrade replaced the operator's node.yaml")
	}
}

// checkPurge removes the package: its files, its conffiles and the state
// directory go; the operator's keys (not the package's) stay.
func checkPurge(t *testing.T, root string) {
	inTree(t, root, "dpkg", "--purge", "anycloud")
	for _, gone := range []string{"usr/bin/anycloud", "etc/anycloud/node.yaml", "var/lib/anycloud",
		"usr/lib/systemd/system/anycloud-node.service", "usr/share/man/man1/anycloud.1.gz"} {
		if _, err := os.Stat(filepath.Join(root, gone)); err == nil {
			t.Errorf("/%s is still there after purge", gone)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "etc/anycloud/keys/node.key")); err != nil {
		t.Errorf("purge removed the operator's key: %v", err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
