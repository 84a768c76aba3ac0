package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/admin"
	"anycloud/internal/catalog"
	"anycloud/internal/control"
	"anycloud/internal/hub"
	"anycloud/internal/node"
	"anycloud/internal/peerconf"
	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// lifecycleHub is a hub on loopback for the lifecycle tests, with short
// timers and (when monitor is true) the monitor running inside it.
type lifecycleHub struct {
	h                   *hub.Hub
	admin               *admin.Admin
	dns, control, store string
	ctl                 *control.Client
}

func startLifecycleHub(t *testing.T, monitor bool) *lifecycleHub {
	t.Helper()
	dir := t.TempDir()
	lh := &lifecycleHub{dns: freeAddr(t), control: freeAddr(t), store: filepath.Join(dir, "storage")}
	conf := fmt.Sprintf("listen: [%q]\ncontrol: %s\nstorage: %s\ncatalog: catalog.anycloud.\n"+
		"timeouts: {transfer: 2s, min-refresh: 1s}\n"+
		"onboarding: {nameservers: [ns.anycloud.test.], service: [\"198.51.100.53\"], removal-grace: 720h}\n", lh.dns, lh.control, lh.store)
	if monitor {
		conf += "monitor: {listen: \"127.0.0.1:0\", interval: 200ms, timeout: 500ms}\n"
	}
	path := filepath.Join(dir, "hub.yaml")
	os.WriteFile(path, []byte(conf), 0o600)
	t.Setenv(hubConfigEnv, path)
	var cfg *hub.Config
	lh.h, lh.admin, cfg = startHubFromConfig(t, path)
	var err error
	if lh.ctl, err = control.Dial(lh.control, control.TokenFile(cfg)); err != nil {
		t.Fatal(err)
	}
	return lh
}

// startHubFromConfig loads the hub configuration at path and runs the hub
// with its control plane, as `anycloud hub` does, until the test ends,
// once it is ready.
func startHubFromConfig(t *testing.T, path string) (*hub.Hub, *admin.Admin, *hub.Config) {
	t.Helper()
	cfg, err := hub.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a := control.Attach(h)
	t.Cleanup(runReady(t, "hub", h.Run))
	return h, a, cfg
}

// runReady runs run until the returned stop, waiting for ready.
func runReady(t *testing.T, what string, run func(context.Context, func()) error) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("%s did not start: %v", what, err)
	}
	stopped := false
	return func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
}

// gpgHome runs the real gpg in a throwaway home.
type gpgHome struct {
	t    *testing.T
	home string
}

func newGPG(t *testing.T) *gpgHome {
	t.Helper()
	testenv.RequireCommand(t, "gpg")
	return &gpgHome{t: t, home: t.TempDir()}
}

// run returns gpg's stdout and its stderr (where --status-fd 2 reports).
func (g *gpgHome) run(stdin []byte, args ...string) ([]byte, string) {
	g.t.Helper()
	cmd := exec.Command("gpg", append([]string{"--homedir", g.home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("gpg %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes(), errb.String()
}

// until polls cond every 100 ms for at most d.
func until(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// soaRcode asks addr for zone's SOA: the rcode, and whether it answered
// authoritatively with the SOA.
func soaRcode(addr, zone string) (int, bool) {
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	m, err := dns.Exchange(q, addr)
	if err != nil {
		return -1, false
	}
	return m.Rcode, m.Authoritative && len(m.Answer) == 1
}

func catalogMembers(t *testing.T, h *hub.Hub) []string {
	t.Helper()
	v := h.Current("catalog.anycloud.")
	if v == nil {
		return nil
	}
	ms, err := catalog.Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Zone)
	}
	return out
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, code := runCaptured(t, args...)
	if code != 0 {
		t.Fatalf("anycloud %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// TestClientAddSeveralZonesSignedBundle: `client add sv. com.sv.` makes one
// key and one bundle for both zones, signed by the cloud's key: the real
// gpg, with the cloud's public key from `client cloud-key` imported,
// decrypts it and reports a good signature by that key. A knotd
// configured with nothing but the bundle's Knot section serves both zones
// to the hub, and both are catalog members.
func TestClientAddSeveralZonesSignedBundle(t *testing.T) {
	testenv.Interop(t, "knotd")
	testenv.RequireCommand(t, "knotd")
	lh := startLifecycleHub(t, false)
	g := newGPG(t)
	g.run(nil, "--quick-generate-key", "sv admin <hostmaster@sv.example>", "default", "default", "never")
	pub, _ := g.run(nil, "--armor", "--export", "hostmaster@sv.example")
	dir := t.TempDir()
	pubFile, bundleFile, cloudFile := filepath.Join(dir, "sv.asc"), filepath.Join(dir, "bundle.asc"), filepath.Join(dir, "cloud.asc")
	os.WriteFile(pubFile, pub, 0o644)
	knotPort := testpeer.FreePort(t)
	primary := fmt.Sprintf("127.0.0.1:%d", knotPort)

	mustRun(t, "client", "add", "sv.", "com.sv.", "--primary", primary, "--pgp-key", pubFile, "--out", bundleFile, "--control", lh.control)
	out := mustRun(t, "client", "cloud-key", "--out", cloudFile, "--control", lh.control)
	g.run(nil, "--import", cloudFile)
	plain, report := g.run(nil, "--status-fd", "2", "--decrypt", bundleFile)
	var info control.CloudKeyInfo
	if err := lh.ctl.Do(http.MethodGet, "/onboard/cloud-key", nil, &info); err != nil || !strings.Contains(out, info.Fingerprint) {
		t.Fatalf("cloud key %+v, %v; cloud-key printed %q", info, err, out)
	}
	if !strings.Contains(report, "[GNUPG:] GOODSIG") || !strings.Contains(report, "[GNUPG:] VALIDSIG "+info.Fingerprint) {
		t.Fatalf("gpg reports no good signature by the cloud's key %s:\n%s", info.Fingerprint, report)
	}
	if st, err := os.Stat(filepath.Join(lh.store, "admin", "cloud-pgp.asc")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the cloud's private key: %v %v, want mode 0600", st, err)
	}
	text := string(plain)
	if n := strings.Count(text, "secret:    "); n != 1 || !strings.Contains(text, "key name:  sv-anycloud.") {
		t.Fatalf("want one key (sv-anycloud.) in the bundle, got %d:\n%s", n, text)
	}

	// knotd from the bundle's Knot section alone, serving both zones.
	start, end := strings.Index(text, "# Knot DNS"), strings.Index(text, "# NSD 4")
	if start < 0 || end < start {
		t.Fatalf("no Knot section in the bundle:\n%s", text)
	}
	kdir := t.TempDir()
	conf := peerconf.KnotConfig(peerconf.KnotOptions{Journal: true, Extra: text[start:end], Port: knotPort}, kdir)
	os.WriteFile(filepath.Join(kdir, "knot.conf"), []byte(conf), 0o600)
	for _, z := range []string{"sv.", "com.sv."} {
		os.WriteFile(filepath.Join(kdir, z+"zone"), []byte(testpeer.ZoneText(z, 5, 3600, 600, 86400, 3)), 0o600)
	}
	testpeer.RunUntilReady(t, kdir, []string{"knotd", "-c", filepath.Join(kdir, "knot.conf")},
		func() error { return testpeer.WaitSOASerial(primary, "com.sv.", 5, time.Second) }, 20*time.Second)
	mustRun(t, "client", "trial", "transfer", "com.sv.", "--control", lh.control)
	if !until(15*time.Second, func() bool { return lh.h.Current("sv.") != nil && lh.h.Current("com.sv.") != nil }) {
		t.Fatalf("the hub did not pull both zones from the bundle's Knot")
	}
	if got := strings.Join(catalogMembers(t, lh.h), " "); got != "com.sv. sv." {
		t.Errorf("catalog members %q, want both zones", got)
	}

	// A zone already a client spoils the whole add; a rotation must name
	// every zone under the key, since the new bundle replaces the old.
	if _, code := runCaptured(t, "client", "add", "gob.sv.", "com.sv.", "--primary", primary, "--pgp-key", pubFile,
		"--out", filepath.Join(dir, "b2.asc"), "--control", lh.control); code != 1 {
		t.Errorf("adding a zone with one already a client exited %d, want 1", code)
	}
	if _, code := runCaptured(t, "client", "add", "com.sv.", "--rotate", "--pgp-key", pubFile,
		"--out", filepath.Join(dir, "b3.asc"), "--control", lh.control); code != 1 {
		t.Errorf("rotating one zone of two sharing a key exited %d, want 1", code)
	}
	if got := strings.Join(catalogMembers(t, lh.h), " "); got != "com.sv. sv." {
		t.Errorf("after refused adds, catalog members %q", got)
	}

	// One zone of the two removed, then restored into the same client.
	mustRun(t, "client", "remove", "com.sv.", "--control", lh.control)
	if got := strings.Join(catalogMembers(t, lh.h), " "); got != "sv." || lh.h.Current("sv.") == nil {
		t.Fatalf("after removing com.sv.: catalog %q, sv. served %v", got, lh.h.Current("sv.") != nil)
	}
	mustRun(t, "client", "add", "com.sv.", "--restore", "--control", lh.control)
	if got := strings.Join(catalogMembers(t, lh.h), " "); got != "com.sv. sv." {
		t.Errorf("after restoring com.sv.: catalog %q", got)
	}
	clients, _ := os.ReadFile(filepath.Join(lh.store, "admin", "clients.yaml"))
	if strings.Count(string(clients), "name: sv\n") != 1 || strings.Count(string(clients), "secret-file:") != 1 {
		t.Errorf("com.sv. did not go back under the key it shares with sv.:\n%s", clients)
	}
	mustRun(t, "client", "trial", "transfer", "com.sv.", "--control", lh.control)
}

const lifecycleSecret = "bGlmZWN5Y2xlLXNlY3JldC1vZi10aGUtY2xpZW50LTAxMjM0NQ=="

// startLoopbackNode registers node1 at the hub through the control API and
// runs a real anycloud node on loopback following the hub's catalog.
func startLoopbackNode(t *testing.T, lh *lifecycleHub) (string, string) {
	t.Helper()
	dir := t.TempDir()
	nodeAddr := freeAddr(t)
	secret := "bm9kZS1zZWNyZXQtb2YtdGhlLWxpZmVjeWNsZS10ZXN0LTAxMjM="
	os.WriteFile(filepath.Join(dir, "node.key"), []byte(secret+"\n"), 0o600)
	if err := lh.ctl.Do(http.MethodPost, "/onboard/nodes", admin.AddNodeRequest{Name: "node1", Address: nodeAddr,
		Key: admin.KeyJSON{Name: "node1-xfr.", Algorithm: "hmac-sha256", Secret: secret}}, nil); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf("listen: [%q]\nnsid: node1\nstorage: %s\ncatalog: catalog.anycloud.\n"+
		"hub:\n  addresses: [%q]\n  tsig: {name: node1-xfr., algorithm: hmac-sha256, secret-file: node.key}\n"+
		"timeouts: {transfer: 2s, min-refresh: 1s}\n", nodeAddr, filepath.Join(dir, "node"), lh.dns)
	os.WriteFile(filepath.Join(dir, "node.yaml"), []byte(yaml), 0o600)
	cfg, err := node.LoadConfig(filepath.Join(dir, "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runReady(t, "node", n.Run))
	return nodeAddr, secret
}

// TestClientRemoveRestorePurge: a client whose key came encrypted to the
// cloud's key (made by the real gpg) is served by a real node and by Knot,
// both following the catalog; `client remove` takes it out of the catalog
// (the node answers REFUSED, Knot drops it, the hub stops pulling) and
// keeps its stored versions
// and key; `client add --restore` brings it back with the same key and
// the node serves it again; removed again and past the grace period, the
// purge deletes its versions and key and restoring is refused.
func TestClientRemoveRestorePurge(t *testing.T) {
	lh := startLifecycleHub(t, false)
	g := newGPG(t)
	dir := t.TempDir()
	cloudFile, encFile, bundle := filepath.Join(dir, "cloud.asc"), filepath.Join(dir, "example-key.asc"), filepath.Join(dir, "bundle.asc")
	mustRun(t, "client", "cloud-key", "--out", cloudFile, "--control", lh.control)
	g.run(nil, "--import", cloudFile)
	var info control.CloudKeyInfo
	if err := lh.ctl.Do(http.MethodGet, "/onboard/cloud-key", nil, &info); err != nil {
		t.Fatal(err)
	}
	keyText := "key \"example-anycloud.\" {\n    algorithm hmac-sha256;\n    secret \"" + lifecycleSecret + "\";\n};\n"
	enc, _ := g.run([]byte(keyText), "--armor", "--trust-model", "always", "--encrypt", "--recipient", info.Fingerprint)
	os.WriteFile(encFile, enc, 0o600)

	knot := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 10, 3600, 600, 86400, 3),
		KeyName: "example-anycloud.", Algorithm: "hmac-sha256", Secret: lifecycleSecret})
	pub, _ := clientPGP(t)
	mustRun(t, "client", "add", "example.", "--primary", knot.Addr, "--pgp-key", pub, "--tsig-key-encrypted", encFile, "--out", bundle, "--control", lh.control)
	keyFile := filepath.Join(lh.store, "admin", "keys", "example-anycloud.key")
	if held, _ := os.ReadFile(keyFile); strings.TrimSpace(string(held)) != lifecycleSecret {
		t.Fatalf("the hub holds %q, not the secret the client encrypted", held)
	}
	nodeAddr, _ := startLoopbackNode(t, lh)
	served := func() bool { rc, ok := soaRcode(nodeAddr, "example."); return rc == dns.RcodeSuccess && ok }
	refused := func() bool { rc, _ := soaRcode(nodeAddr, "example."); return rc == dns.RcodeRefused }
	if !until(20*time.Second, served) {
		t.Fatal("the node never served example.")
	}
	// Knot as a catalog consumer too (a node that runs Knot).
	knotSecret := "a25vdC1jb25zdW1lci1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q="
	consumer := testpeer.StartKnot(t, peerconf.KnotOptions{
		Zones: []peerconf.Zone{{Origin: "catalog.anycloud.", Primary: lh.dns, PrimaryKey: "knot1-xfr.", Catalog: true}},
		Keys:  []peerconf.TSIGKey{{Name: "knot1-xfr.", Algorithm: "hmac-sha256", Secret: knotSecret}},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Key: "knot1-xfr.", Notify: true}},
	})
	if err := lh.ctl.Do(http.MethodPost, "/onboard/nodes", admin.AddNodeRequest{Name: "knot1", Address: consumer.Addr,
		Key: admin.KeyJSON{Name: "knot1-xfr.", Algorithm: "hmac-sha256", Secret: knotSecret}}, nil); err != nil {
		t.Fatal(err)
	}
	knotServes := func() bool { rc, ok := soaRcode(consumer.Addr, "example."); return rc == dns.RcodeSuccess && ok }
	if !until(20*time.Second, knotServes) {
		t.Fatalf("the Knot consumer never served example.\n%s", consumer.Log())
	}

	out := mustRun(t, "client", "remove", "example.", "--control", lh.control)
	if !strings.Contains(out, "client add example. --restore") {
		t.Errorf("remove does not say how to restore:\n%s", out)
	}
	if !until(20*time.Second, refused) {
		t.Fatal("the node still serves example. after client remove")
	}
	if !until(20*time.Second, func() bool { return !knotServes() }) {
		t.Fatalf("the Knot consumer still serves example. after client remove\n%s", consumer.Log())
	}
	stored, _ := filepath.Glob(filepath.Join(lh.store, "example*"))
	if lh.h.Current("example.") != nil || len(catalogMembers(t, lh.h)) != 0 || len(stored) == 0 {
		t.Fatalf("after remove: hub serves %v, catalog %v, stored %v", lh.h.Current("example."), catalogMembers(t, lh.h), stored)
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("the key is gone before the grace period: %v", err)
	}
	if purged := lh.admin.PurgeRemoved(time.Now()); len(purged) != 0 {
		t.Fatalf("purged %v within the grace period", purged)
	}

	mustRun(t, "client", "add", "example.", "--restore", "--control", lh.control)
	if !until(20*time.Second, served) {
		t.Fatal("the node does not serve example. again after client add --restore")
	}
	if held, _ := os.ReadFile(keyFile); strings.TrimSpace(string(held)) != lifecycleSecret {
		t.Fatalf("restore changed the key to %q", held)
	}

	mustRun(t, "client", "remove", "example.", "--control", lh.control)
	if purged := lh.admin.PurgeRemoved(time.Now().Add(31 * 24 * time.Hour)); strings.Join(purged, " ") != "example." {
		t.Fatalf("purged %v after the grace period, want example.", purged)
	}
	left, _ := filepath.Glob(filepath.Join(lh.store, "example*"))
	if _, err := os.Stat(keyFile); err == nil || len(left) != 0 {
		t.Fatalf("after the purge: key %v, stored %v", err, left)
	}
	if _, code := runCaptured(t, "client", "add", "example.", "--restore", "--control", lh.control); code != 1 {
		t.Errorf("restoring a purged zone exited %d, want 1", code)
	}
	if !until(20*time.Second, refused) {
		t.Error("the node serves a purged zone")
	}

	// Removed, then added afresh (not restored) within the grace period:
	// the zone is live again and a later purge must leave it alone.
	add := []string{"client", "add", "example.", "--primary", knot.Addr, "--pgp-key", pub, "--tsig-key-encrypted", encFile, "--control", lh.control}
	mustRun(t, append(add, "--out", filepath.Join(dir, "b2.asc"))...)
	mustRun(t, "client", "remove", "example.", "--control", lh.control)
	mustRun(t, append(add, "--out", filepath.Join(dir, "b3.asc"))...)
	var removed []hub.RemovedZone
	if err := lh.ctl.Do(http.MethodGet, "/onboard/removed", nil, &removed); err != nil || len(removed) != 0 {
		t.Fatalf("after adding it again, removed zones %+v %v, want none", removed, err)
	}
	if purged := lh.admin.PurgeRemoved(time.Now().Add(31 * 24 * time.Hour)); len(purged) != 0 {
		t.Fatalf("purged %v, which was added again", purged)
	}
	if !until(20*time.Second, served) {
		t.Fatal("the node does not serve the zone added again")
	}
}

// TestClientSetPrimaries: `client set ZONE --primary` moves the hub to a
// new primary at once (the old one holds serial 1, the new one serial 2
// with a refresh of an hour: only the change can bring serial 2), and the
// key stays as it was.
func TestClientSetPrimaries(t *testing.T) {
	lh := startLifecycleHub(t, false)
	opts := func(serial uint32) testpeer.PrimaryOptions {
		return testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", serial, 3600, 3600, 86400, 3),
			KeyName: "example-anycloud.", Algorithm: "hmac-sha256", Secret: lifecycleSecret}
	}
	oldPrimary, newPrimary := testpeer.StartPrimary(t, opts(1)), testpeer.StartPrimary(t, opts(2))
	dir := t.TempDir()
	keyIn := filepath.Join(dir, "key")
	os.WriteFile(keyIn, []byte(lifecycleSecret+"\n"), 0o600)
	pub, _ := clientPGP(t)
	mustRun(t, "client", "add", "example.", "--primary", oldPrimary.Addr, "--pgp-key", pub, "--tsig-key", keyIn,
		"--out", filepath.Join(dir, "bundle.asc"), "--control", lh.control)
	serial := func() uint32 {
		if v := lh.h.Current("example."); v != nil {
			return v.Serial()
		}
		return 0
	}
	if !until(15*time.Second, func() bool { return serial() == 1 }) {
		t.Fatalf("the hub did not pull serial 1 from the first primary (has %d)", serial())
	}
	keyFile := filepath.Join(lh.store, "admin", "keys", "example-anycloud.key")
	before, _ := os.ReadFile(keyFile)

	out := mustRun(t, "client", "set", "example.", "--primary", newPrimary.Addr, "--control", lh.control)
	if !strings.Contains(out, newPrimary.Addr) {
		t.Errorf("client set printed %q", out)
	}
	if !until(10*time.Second, func() bool { return serial() == 2 }) {
		t.Fatalf("the hub did not pull from the new primary (serial %d)", serial())
	}
	after, _ := os.ReadFile(keyFile)
	if !bytes.Equal(before, after) || len(after) == 0 {
		t.Errorf("the key changed: %q -> %q", before, after)
	}
	var progress []admin.ClientProgress
	if err := lh.ctl.Do(http.MethodGet, "/onboard/status?zone=example.", nil, &progress); err != nil || len(progress) != 1 {
		t.Fatalf("status: %v %v", progress, err)
	}
	for _, bad := range [][]string{{"client", "set", "example."}, {"client", "set", "--primary", "127.0.0.1"}} {
		if _, code := runCaptured(t, append(bad, "--control", lh.control)...); code != 2 {
			t.Errorf("%v exited %d, want 2", bad, code)
		}
	}
	if _, code := runCaptured(t, "client", "set", "nosuch.", "--primary", "127.0.0.1", "--control", lh.control); code != 1 {
		t.Errorf("client set of an unknown zone exited %d, want 1", code)
	}
}

// TestNodeRemove: `node remove NAME` revokes the node's key (its catalog
// transfer and its state query are refused from then on), drops it from
// `node list`, and the monitor inside the hub stops expecting it.
func TestNodeRemove(t *testing.T) {
	lh := startLifecycleHub(t, true)
	nodeAddr, secret := startLoopbackNode(t, lh)
	_ = nodeAddr
	axfr := func() error {
		m := new(dns.Msg)
		m.SetAxfr("catalog.anycloud.")
		m.SetTsig("node1-xfr.", dns.HmacSHA256, 300, time.Now().Unix())
		tr := &dns.Transfer{TsigSecret: map[string]string{"node1-xfr.": secret}}
		env, err := tr.In(m, lh.dns)
		if err != nil {
			return err
		}
		for e := range env {
			if e.Error != nil {
				return e.Error
			}
		}
		return nil
	}
	if err := axfr(); err != nil {
		t.Fatalf("the node's key does not transfer the catalog before removal: %v", err)
	}
	expected := func(name string) bool {
		for _, n := range lh.h.Monitor().Snapshot().Nodes {
			if n.Name == name {
				return true
			}
		}
		return false
	}
	if !expected("node1") {
		t.Fatal("the monitor does not expect node1 before removal")
	}
	keyFile := filepath.Join(lh.store, "admin", "keys", "node1-xfr.key")
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatal(err)
	}

	out := mustRun(t, "node", "remove", "node1", "--control", lh.control)
	if !strings.Contains(out, "revoked") {
		t.Errorf("node remove printed %q", out)
	}
	if err := axfr(); err == nil {
		t.Error("the removed node's key still transfers the catalog")
	}
	if _, err := os.Stat(keyFile); err == nil {
		t.Error("the removed node's key file is still in the hub's storage")
	}
	if list := mustRun(t, "node", "list", "--control", lh.control); strings.Contains(list, "node1") {
		t.Errorf("node list still shows node1:\n%s", list)
	}
	if expected("node1") {
		t.Error("the monitor still expects node1")
	}
	if _, code := runCaptured(t, "node", "remove", "node1", "--control", lh.control); code != 1 {
		t.Errorf("removing it again exited %d, want 1", code)
	}
	if _, code := runCaptured(t, "node", "remove", "--control", lh.control); code != 2 {
		t.Errorf("node remove without NAME exited %d, want 2", code)
	}
}
