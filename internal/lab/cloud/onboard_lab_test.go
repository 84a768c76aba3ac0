package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/admin"
	"anycloud/internal/adminstate"
	"anycloud/internal/hub"
	"anycloud/internal/lab"
	"anycloud/internal/onboard"
	"anycloud/internal/peerconf"
	"anycloud/internal/testenv"
)

// Onboarding in the lab, through the same commands an operator types at
// the hub (`anycloud lab exec hub -- anycloud client ...`):
//   - status-sv: the sample clients that `lab up` onboarded pass;
//   - new-client: a new ccTLD (hn.) with a real Knot primary goes from
//     `client add` through every step to serving on every node and at the
//     anycast addresses from every city, and each step is first seen
//     failing for the reason a real client would fail it (primary without
//     the key, wrong key, NS missing in the zone, a node behind, no
//     delegation in the parent);
//   - node-drain: `anycloud node drain NODE` at the hub withdraws the
//     node's route within seconds, `node enable` brings it back.
// Run: sudo go test -run 'TestLab/onboard' -v ./internal/lab/cloud/

// cli runs `anycloud ARGS...` in the hub's namespace and returns stdout,
// stderr and the exit code.
func (l *testLab) cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	err := lab.Exec(ctx, l.dir, "hub", append([]string{l.cloud.Exe}, args...), nil, &out, &errb)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("anycloud %s: %v", strings.Join(args, " "), err)
	return "", "", -1
}

// mustCLI runs a command that must exit with code want.
func (l *testLab) mustCLI(t *testing.T, want int, args ...string) string {
	t.Helper()
	start := time.Now()
	out, errOut, code := l.cli(t, args...)
	if code != want {
		t.Fatalf("anycloud %s exited %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
	}
	t.Logf("$ anycloud %s  # exit %d in %v", strings.Join(args, " "), code, time.Since(start).Round(time.Millisecond))
	return out
}

// reports runs a trial or check with --json and decodes its reports.
func (l *testLab) reports(t *testing.T, want int, args ...string) []*onboard.Report {
	t.Helper()
	out := l.mustCLI(t, want, append(args, "--json")...)
	var rs []*onboard.Report
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) == 0 {
		t.Fatalf("anycloud %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, r := range rs {
		verdict := "PASS"
		if !r.Pass {
			verdict = "FAIL: " + r.Reason
		}
		t.Logf("  %s %s: %s (%d checks, %s)", r.Step, r.Zone, verdict, len(r.Checks), r.Took)
		if r.Pass != (want == 0) {
			t.Errorf("%s: verdict %v but exit %d", r.Step, r.Pass, want)
		}
	}
	return rs
}

func (l *testLab) testOnboard(t *testing.T) {
	t.Run("status-sv", l.testStatusSV)
	t.Run("new-client", l.testNewClient)
	t.Run("node-drain", l.testNodeDrain)
}

// testStatusSV: the check that `lab up` onboarded sv. through the
// CLI: `anycloud lab exec hub -- anycloud client status sv.` exits 0,
// with every step passed and timestamped.
func (l *testLab) testStatusSV(t *testing.T) {
	var out bytes.Buffer
	cli := &lab.CLI{Stdout: &out, Stderr: &out, Cloud: l.cloud}
	if err := cli.Run(context.Background(), []string{"exec", "--prefix", l.topo.Prefix, "hub", "--", l.cloud.Exe, "client", "status", "sv."}); err != nil {
		t.Fatalf("lab exec hub -- anycloud client status sv.: %v\n%s", err, out.String())
	}
	t.Logf("$ anycloud lab exec hub -- anycloud client status sv.\n%s", out.String())
	for _, step := range onboard.Steps {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(step) + `\s+pass\s+20\d\d-`).MatchString(out.String()) {
			t.Errorf("step %s is not shown passed with its time", step)
		}
	}
	var progress []admin.ClientProgress
	if err := json.Unmarshal([]byte(l.mustCLI(t, 0, "client", "status", "--json")), &progress); err != nil {
		t.Fatal(err)
	}
	if len(progress) != len(l.topo.Primaries) {
		t.Errorf("status lists %d clients, the lab onboards %d", len(progress), len(l.topo.Primaries))
	}
}

// newPrimary is the new client's Knot primary, run in the namespace of an
// existing primary host on its own port.
type newPrimary struct {
	zone, dir, ns string
	addr          netip.AddrPort
	listen        []string // ADDR@PORT
}

const newZone = "hn."

func (l *testLab) startNewPrimary(t *testing.T) *newPrimary {
	t.Helper()
	h, _ := l.st.Plan.Host("primary-gt")
	p := &newPrimary{zone: newZone, dir: t.TempDir(), ns: h.Namespace, addr: netip.AddrPortFrom(v4(h), 5353)}
	p.listen = []string{fmt.Sprintf("%s@%d", p.addr.Addr(), p.addr.Port())}
	// The client's zone before it joins: its own name server only.
	text := strings.Replace(ZoneText(newZone, 1), "@ NS ns.anycloud.lab.\n", "", 1)
	// The zone file is where Knot's default template looks (dir/hn.zone):
	// the client's own configuration, pasted later, names no file.
	os.WriteFile(filepath.Join(p.dir, strings.TrimSuffix(newZone, ".")+".zone"), []byte(text), 0o644)
	p.writeConf(t, peerconf.KnotOptions{Zones: []peerconf.Zone{{Origin: newZone}}})
	logf, _ := os.Create(filepath.Join(p.dir, "knot.log"))
	cmd := exec.Command("ip", "netns", "exec", p.ns, "knotd", "-c", filepath.Join(p.dir, "knot.conf"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(p.dir, "knot.log"))
			t.Logf("knot of %s:\n%s", newZone, b)
		}
	})
	if _, err := p.waitSerial(l, 0, 20*time.Second); err != nil {
		t.Fatalf("Knot of %s did not start: %v", newZone, err)
	}
	return p
}

// writeConf writes the primary's knot.conf: where it listens, a journal
// (Knot raises the serial on each change), and opts' zones or snippet.
func (p *newPrimary) writeConf(t *testing.T, opts peerconf.KnotOptions) {
	t.Helper()
	opts.Listen, opts.Journal = p.listen, true
	if err := os.WriteFile(filepath.Join(p.dir, "knot.conf"), []byte(peerconf.KnotConfig(opts, p.dir)), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (p *newPrimary) knotc(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("knotc", append([]string{"-s", filepath.Join(p.dir, "knot.sock")}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("knotc %v: %v\n%s", args, err, out)
	}
}

// change applies one Knot transaction (Knot raises the serial and sends
// NOTIFY to the hub when its configuration says so).
func (p *newPrimary) change(t *testing.T, owner, ttl, rtype, rdata string) {
	t.Helper()
	p.knotc(t, "zone-begin", p.zone)
	p.knotc(t, "zone-set", p.zone, owner, ttl, rtype, rdata)
	p.knotc(t, "zone-commit", p.zone)
}

// waitSerial waits until the primary serves a serial other than not, as
// seen from the hub's namespace.
func (p *newPrimary) waitSerial(l *testLab, not uint32, limit time.Duration) (uint32, error) {
	deadline := time.Now().Add(limit)
	for {
		s, err := soaAt(l.ns("hub"), p.addr, p.zone)
		if err == nil && s != 0 && s != not {
			return s, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("serial %d after %v: %v", s, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// soaAt asks addr for zone's SOA from inside ns; 0 unless authoritative.
func soaAt(ns string, addr netip.AddrPort, zone string) (uint32, error) {
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	q.RecursionDesired = false
	var r *dns.Msg
	err := lab.InNamespace(ns, func() error {
		var err error
		r, _, err = (&dns.Client{Timeout: time.Second}).Exchange(q, addr.String())
		return err
	})
	if err != nil {
		return 0, err
	}
	if !r.Authoritative {
		return 0, fmt.Errorf("not authoritative (%s)", dns.RcodeToString[r.Rcode])
	}
	return soaSerial(r), nil
}

// testNewClient is the end-to-end onboarding of a client ccTLD.
func (l *testLab) testNewClient(t *testing.T) {
	testenv.RequireCommand(t, "gpg") // to decrypt the key bundle as the client does
	start := time.Now()
	p := l.startNewPrimary(t)
	bundleFile := filepath.Join(t.TempDir(), "hn-anycloud-key.asc")

	// 1. Key: a fresh key, encrypted to the client's OpenPGP key.
	out := l.mustCLI(t, 0, "client", "add", newZone, "--primary", p.addr.String(), "--pgp-key", filepath.Join(l.dir, "keys", "lab-client.asc"),
		"--out", bundleFile, "--json")
	var added struct {
		KeyName string `json:"key_name"`
		File    string `json:"file"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.KeyName != "hn-anycloud." || added.File != bundleFile {
		t.Fatalf("client add --json: %v\n%s", err, out)
	}
	// The bundle is signed by the cloud's key (made by the hub on first
	// use): the client imports the cloud's key first, or gpg exits 2.
	bundle := decryptBundle(t, filepath.Join(l.dir, "keys", "lab-client-secret.asc"), bundleFile,
		filepath.Join(l.dir, "hub", "storage", "admin", "cloud-pgp.asc"))
	secret := regexp.MustCompile(`(?m)^secret:\s+(\S+)$`).FindStringSubmatch(bundle)
	if secret == nil || len(secret[1]) != 44 {
		t.Fatalf("the decrypted bundle holds no 256-bit secret:\n%s", bundle)
	}
	l.checkSecretKept(t, bundleFile, secret[1])

	// 2. Transfer trial. The primary does not know the key yet: it refuses
	// the hub, and the verdict says so in plain words.
	rs := l.reports(t, 1, "client", "trial", "transfer", newZone)
	if !strings.Contains(rs[0].Reason, "BADKEY") || !strings.Contains(rs[0].Reason, "does not know key") || rs[0].Todo == "" {
		t.Errorf("primary without the key: reason %q, to do %q", rs[0].Reason, rs[0].Todo)
	}
	// The client pastes the Knot configuration from the bundle; a trial
	// with a wrong secret fails with BADSIG, the bundle's key passes.
	p.writeConf(t, peerconf.KnotOptions{Extra: knotSnippet(t, bundle)})
	p.knotc(t, "reload")
	bundlePlain := filepath.Join(t.TempDir(), "bundle.txt")
	os.WriteFile(bundlePlain, []byte(bundle), 0o600)
	wrong, _ := onboard.NewKey(newZone)
	rs = l.reports(t, 1, "client", "trial", "transfer", newZone, "--tsig-secret", wrong.Secret)
	if !strings.Contains(rs[0].Reason, "BADSIG") || !strings.Contains(rs[0].Reason, "secrets differ") {
		t.Errorf("wrong key: reason %q", rs[0].Reason)
	}
	l.reports(t, 0, "client", "trial", "transfer", newZone, "--tsig-key", bundlePlain)
	rs = l.reports(t, 0, "client", "trial", "transfer", newZone)
	if rs[0].Facts["serial"] != "1" || rs[0].Facts["records"] == "" {
		t.Errorf("transfer facts %v", rs[0].Facts)
	}
	t.Logf("transfer: %v", rs[0].Facts)

	// 5. NS in the zone: missing until the client adds the cloud's name
	// server at its apex (a change Knot sends the hub as NOTIFY).
	rs = l.reports(t, 1, "client", "check", newZone, "ns-in-zone")
	if !strings.Contains(rs[0].Reason, "missing [ns.anycloud.lab.]") || !strings.Contains(rs[0].Todo, "hn. NS ns.anycloud.lab.") {
		t.Errorf("NS missing in the zone: reason %q, to do %q", rs[0].Reason, rs[0].Todo)
	}
	p.change(t, newZone, "3600", "NS", cloudNS)
	serial, err := p.waitSerial(l, 1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l.reports(t, 0, "client", "check", newZone, "ns-in-zone")

	// 3 and 4. Resolution and synchronisation: every node and the anycast
	// addresses answer as the primary does, once the catalog has brought
	// the zone to every node (no node is touched).
	rs = l.reports(t, 0, "client", "trial", "resolve", newZone, "--wait", "30s")
	l.checkResolveTable(t, rs[0])
	l.reports(t, 0, "client", "check", newZone, "sync", "--wait", "30s")
	l.testStaleNode(t, p)

	// 6. NS in the parent: the lab's root does not delegate hn. yet; status
	// says what to file and the expected lines, then the root adds it.
	rs = l.reports(t, 1, "client", "check", newZone, "ns-in-parent")
	for _, want := range []string{"file with the parent (IANA for a ccTLD)", "hn. NS ns.anycloud.lab.", "ns.anycloud.lab. A " + l.topo.Service[0].String()} {
		if !strings.Contains(rs[0].Todo, want) {
			t.Errorf("NS missing in the parent: to do %q lacks %q (reason %q)", rs[0].Todo, want, rs[0].Reason)
		}
	}
	status, _, code := l.cli(t, "client", "status", newZone)
	if code != 1 || !regexp.MustCompile(`(?m)^ns-in-parent\s+fail`).MatchString(status) || !strings.Contains(status, "hn. NS ns.anycloud.lab.") {
		t.Errorf("status before the delegation exited %d:\n%s", code, status)
	}
	rootSock := filepath.Join(l.dir, "root", "knot.sock")
	for _, args := range [][]string{{"zone-begin", "."}, {"zone-set", ".", newZone, "86400", "NS", cloudNS}, {"zone-commit", "."}} {
		if out, err := exec.Command("knotc", append([]string{"-s", rootSock}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("knotc %v at the root: %v\n%s", args, err, out)
		}
	}
	l.reports(t, 0, "client", "check", newZone, "ns-in-parent", "--wait", "10s")

	// Every step passes; status exits 0; every city gets hn. at both
	// anycast addresses from its nearest node, over UDP and TCP.
	rs = l.reports(t, 0, "client", "check", newZone, "all", "--wait", "30s")
	if len(rs) != 5 || rs[0].Step != onboard.StepTransfer || !strings.Contains(rs[0].Facts["notify"], "the primary sends NOTIFY") {
		t.Errorf("after changes at the primary the transfer trial should have seen its NOTIFY: %v", rs[0].Facts)
	}
	t.Logf("notify: %s", rs[0].Facts["notify"])
	status = l.mustCLI(t, 0, "client", "status", newZone)
	t.Logf("$ anycloud client status hn.\n%s", status)
	serial, _ = p.waitSerial(l, 0, time.Second)
	l.checkServedEverywhere(t, newZone, serial)
	t.Logf("hn. onboarded end to end in %v", time.Since(start).Round(time.Millisecond))
}

// decryptBundle decrypts what `client add` wrote with the real gpg and
// the lab client's secret key, as the client would, having imported the
// cloud's key to check the signature.
func decryptBundle(t *testing.T, secretKey, file, cloudKey string) string {
	t.Helper()
	home := t.TempDir()
	gpg := func(args ...string) string {
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--yes"}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	gpg("--import", secretKey)
	gpg("--import", cloudKey)
	return gpg("--decrypt", file)
}

// checkSecretKept: the bundle and the hub's copy of the key are mode
// 0600, and the secret shows in no file the lab keeps but the hub's key
// file: not in the bundle (encrypted), no log, no configuration.
func (l *testLab) checkSecretKept(t *testing.T, bundleFile, secret string) {
	t.Helper()
	if st, err := os.Stat(bundleFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("bundle %s: %v", bundleFile, err)
	}
	// Every hub holds the key (the administered state is replicated), each
	// in a file of its own, 0600; nothing else does.
	keyFiles, _ := filepath.Glob(filepath.Join(l.dir, "hub*", "storage", "admin", "keys", "hn-anycloud.key"))
	if !slices.Contains(keyFiles, filepath.Join(l.dir, "hub", "storage", "admin", "keys", "hn-anycloud.key")) {
		t.Errorf("the hub that added the client has no key file: %v", keyFiles)
	}
	for _, keyFile := range keyFiles {
		if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("hub's key file %s: %v %v", keyFile, st, err)
		}
	}
	for _, f := range append([]string{bundleFile}, labFiles(l.dir)...) {
		if slices.Contains(keyFiles, f) {
			continue
		}
		if b, _ := os.ReadFile(f); bytes.Contains(b, []byte(secret)) {
			t.Errorf("the client's secret shows in %s", f)
		}
	}
}

// labFiles lists the lab's regular files of moderate size (logs, configs,
// state), not its databases.
func labFiles(dir string) []string {
	var out []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() && info.Size() < 4<<20 && !strings.HasSuffix(path, ".db") && !strings.Contains(path, "journal") {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// knotSnippet cuts the Knot configuration out of the decrypted bundle.
func knotSnippet(t *testing.T, bundle string) string {
	t.Helper()
	i := strings.Index(bundle, "# Knot DNS")
	j := strings.Index(bundle, "# NSD 4")
	if i < 0 || j < i {
		t.Fatalf("no Knot snippet in the bundle:\n%s", bundle)
	}
	return bundle[i:j]
}

// checkResolveTable: the resolution trial asked every node's unicast
// address and every anycast address over UDP and TCP, with the checks
// IANA and Zonemaster make, and shows them as a node x check table.
func (l *testLab) checkResolveTable(t *testing.T, r *onboard.Report) {
	t.Helper()
	seen := map[string]map[string]bool{}
	for _, c := range r.Checks {
		target := strings.Fields(c.Target)[0]
		if seen[target] == nil {
			seen[target] = map[string]bool{}
		}
		seen[target][c.Name] = c.Pass
	}
	targets := map[string]bool{}
	for _, c := range r.Checks {
		targets[c.Target] = true
	}
	for _, n := range l.topo.Nodes {
		h, _ := l.st.Plan.Host("node-" + n)
		for _, a := range []netip.Addr{v4(h), v6(h)} {
			if want := h.Name + " " + netip.AddrPortFrom(a, 53).String(); !targets[want] {
				t.Errorf("the resolution trial did not check %s: %v", want, targets)
			}
		}
	}
	for _, want := range []string{"soa-udp", "soa-tcp", "answers-udp", "answers-tcp", "no-recursion", "referral-512"} {
		for target, checks := range seen {
			if _, ok := checks[want]; !ok {
				t.Errorf("%s lacks check %s", target, want)
			}
		}
	}
	if len(seen["anycast"]) == 0 {
		t.Errorf("no anycast address checked: %v", seen)
	}
	var text bytes.Buffer
	r.WriteText(&text)
	t.Logf("$ anycloud client trial resolve hn.\n%s", text.String())
}

// testStaleNode: a node cut off from every hub's DNS port keeps the old
// serial after a change; the sync check and the resolution trial fail
// naming it and its serial, and pass again once it catches up.
func (l *testLab) testStaleNode(t *testing.T, p *newPrimary) {
	node := "node-" + l.topo.Nodes[0]
	other, _ := l.st.Plan.Host("node-" + l.topo.Nodes[1])
	// Cut from every hub: each one alone would feed it.
	var hub4, hub6 []string
	for _, h := range hubHosts(l.st.Plan) {
		hub4, hub6 = append(hub4, v4(h).String()), append(hub6, v6(h).String())
	}
	rules := fmt.Sprintf("table inet anycloud_onboard_test {\n\tchain output {\n\t\ttype filter hook output priority 0;\n"+
		"\t\tip daddr { %s } meta l4proto { tcp, udp } th dport 53 drop\n\t\tip6 daddr { %s } meta l4proto { tcp, udp } th dport 53 drop\n\t}\n}\n",
		strings.Join(hub4, ", "), strings.Join(hub6, ", "))
	file := filepath.Join(t.TempDir(), "cut.nft")
	os.WriteFile(file, []byte(rules), 0o644)
	if out, err := exec.Command("ip", "netns", "exec", l.ns(node), "nft", "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("nft: %v\n%s", err, out)
	}
	heal := func() {
		exec.Command("ip", "netns", "exec", l.ns(node), "nft", "delete", "table", "inet", "anycloud_onboard_test").Run()
	}
	t.Cleanup(heal)
	old, _ := p.waitSerial(l, 0, time.Second)
	p.change(t, "stale-check."+p.zone, "60", "TXT", fmt.Sprintf("%q", time.Now().UTC().Format(time.RFC3339Nano)))
	serial, err := p.waitSerial(l, old, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if s, _ := soaAt(l.ns("hub"), netip.AddrPortFrom(v4(other), 53), p.zone); s == serial {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not get serial %d", other.Name, serial)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rs := l.reports(t, 1, "client", "check", p.zone, "sync")
	want := fmt.Sprintf("serves serial %d, the primary has %d (stale)", old, serial)
	if !strings.Contains(rs[0].Reason, node) || !strings.Contains(rs[0].Reason, want) {
		t.Errorf("sync with %s behind: reason %q, want %q", node, rs[0].Reason, want)
	}
	rs = l.reports(t, 1, "client", "trial", "resolve", p.zone)
	if !strings.Contains(rs[0].Reason, node) || !strings.Contains(rs[0].Reason, fmt.Sprintf("serial %d, the primary has %d", old, serial)) {
		t.Errorf("resolve with %s behind: reason %q", node, rs[0].Reason)
	}
	heal()
	l.reports(t, 0, "client", "check", p.zone, "sync", "--wait", "30s")
}

// checkServedEverywhere: every city asks zone's SOA at every anycast
// address over UDP and TCP and gets serial from its nearest node.
func (l *testLab) checkServedEverywhere(t *testing.T, zone string, serial uint32) {
	t.Helper()
	want := l.expected("")
	answered := 0
	for _, c := range l.topo.Cities {
		for _, addr := range l.topo.Service {
			for _, network := range []string{"udp", "tcp"} {
				r, _, err := query(l.ns(c.Slug), addr, network, zone, dns.TypeSOA)
				switch {
				case err != nil:
					t.Errorf("%s %s %s: %v", c.Slug, network, addr, err)
				case !r.Authoritative || soaSerial(r) != serial:
					t.Errorf("%s %s %s: aa=%v serial %d, want %d", c.Slug, network, addr, r.Authoritative, soaSerial(r), serial)
				case want[c.Slug] != "" && nsid(r) != want[c.Slug]:
					t.Errorf("%s %s %s: answered by %s, want %s", c.Slug, network, addr, nsid(r), want[c.Slug])
				default:
					answered++
				}
			}
		}
	}
	t.Logf("%s serial %d answered at the anycast addresses from every city: %d of %d queries (cities x addresses x UDP/TCP)",
		zone, serial, answered, len(l.topo.Cities)*len(l.topo.Service)*2)
}

// testNodeDrain: `anycloud node drain NODE` at the hub; the node asks the
// hub for its state every second and withdraws; its city's router loses
// the route, the city is answered by the next node; `node list` and the
// node's status show the state; `node enable` brings it back.
func (l *testLab) testNodeDrain(t *testing.T) {
	city := "mexico-city"
	node, next := "node-"+city, l.expected(city)[city]
	if next == "" || l.expected("")[city] != node {
		t.Fatalf("topology changed: %s should be served by %s, then by a unique next node", city, node)
	}
	gone := l.watchRoute(city, node)
	at := time.Now()
	l.mustCLI(t, 0, "node", "drain", node)
	select {
	case when := <-gone:
		t.Logf("`anycloud node drain %s` at the hub: %s's router withdrew the route %v later", node, city, when.Sub(at).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("%s's router still has the route of %s 10 s after `node drain`", city, node)
	}
	l.waitCatchments(t, l.expected(city), 10*time.Second)
	var nodes []hub.NodeInfo
	json.Unmarshal([]byte(l.mustCLI(t, 0, "node", "list", "--json")), &nodes)
	for _, n := range nodes {
		if (n.Name == node) != (n.State == adminstate.NodeDrained) {
			t.Errorf("node list: %s is %s", n.Name, n.State)
		}
	}
	var hubStatus hub.Status
	json.Unmarshal([]byte(l.mustCLI(t, 0, "hub", "status", "--control", hubControl)), &hubStatus)
	for _, n := range hubStatus.Nodes {
		if (n.Name == node) != (n.State == adminstate.NodeDrained) {
			t.Errorf("hub status: %s is %s", n.Name, n.State)
		}
	}
	if len(hubStatus.Nodes) != len(l.topo.Nodes) {
		t.Errorf("hub status lists %d nodes", len(hubStatus.Nodes))
	}
	if doc := l.nodeStatus(t, node); doc["hub_state"] != adminstate.NodeDrained {
		t.Errorf("%s's status: hub state %v", node, doc["hub_state"])
	}
	at = time.Now()
	l.mustCLI(t, 0, "node", "enable", node)
	l.waitCatchments(t, l.expected(""), 15*time.Second)
	t.Logf("`anycloud node enable %s`: every city answered by its nearest node again %v later", node, time.Since(at).Round(time.Millisecond))
}

// nodeStatus reads a node's status document as a map.
func (l *testLab) nodeStatus(t *testing.T, name string) map[string]any {
	t.Helper()
	var doc map[string]any
	err := lab.InNamespace(l.ns(name), func() error {
		c, err := net.DialTimeout("tcp", nodeControl, time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		fmt.Fprintf(c, "GET /status HTTP/1.0\r\nHost: node\r\n\r\n")
		var buf bytes.Buffer
		buf.ReadFrom(c)
		_, body, _ := strings.Cut(buf.String(), "\r\n\r\n")
		return json.Unmarshal([]byte(body), &doc)
	})
	if err != nil {
		t.Fatalf("%s status: %v", name, err)
	}
	return doc
}
