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

	"anycloud/internal/catalog"
	"anycloud/internal/hub"
	"anycloud/internal/knotprimary"
)

// lifecycleHub is a hub on loopback for the lifecycle tests, with short
// timers and (when monitor is true) the monitor running inside it.
type lifecycleHub struct {
	h                   *hub.Hub
	dns, control, store string
	ctl                 *hub.Control
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
	cfg, err := hub.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	lh.h, err = hub.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop := runReady(t, "hub", lh.h.Run)
	t.Cleanup(stop)
	if lh.ctl, err = hub.DialControl(lh.control, hub.TokenFile(cfg)); err != nil {
		t.Fatal(err)
	}
	return lh
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
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg not installed; install gnupg to run this test")
	}
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
	if _, err := exec.LookPath("knotd"); err != nil {
		t.Skip("knotd not installed")
	}
	lh := startLifecycleHub(t, false)
	g := newGPG(t)
	g.run(nil, "--quick-generate-key", "sv admin <hostmaster@sv.example>", "default", "default", "never")
	pub, _ := g.run(nil, "--armor", "--export", "hostmaster@sv.example")
	dir := t.TempDir()
	pubFile, bundleFile, cloudFile := filepath.Join(dir, "sv.asc"), filepath.Join(dir, "bundle.asc"), filepath.Join(dir, "cloud.asc")
	os.WriteFile(pubFile, pub, 0o644)
	knotPort := knotprimary.FreePort(t)
	primary := fmt.Sprintf("127.0.0.1:%d", knotPort)

	mustRun(t, "client", "add", "sv.", "com.sv.", "--primary", primary, "--pgp-key", pubFile, "--out", bundleFile, "--control", lh.control)
	out := mustRun(t, "client", "cloud-key", "--out", cloudFile, "--control", lh.control)
	g.run(nil, "--import", cloudFile)
	plain, report := g.run(nil, "--status-fd", "2", "--decrypt", bundleFile)
	var info hub.CloudKeyInfo
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
	conf := fmt.Sprintf("server:\n    rundir: %q\n    listen: 127.0.0.1@%d\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"+
		"control:\n    listen: %q\ndatabase:\n    storage: %q\n"+
		"template:\n  - id: default\n    storage: %q\n    file: \"%%s.zone\"\n    zonefile-sync: -1\n    semantic-checks: off\n%s",
		kdir, knotPort, filepath.Join(kdir, "knot.sock"), kdir, kdir, text[start:end])
	os.WriteFile(filepath.Join(kdir, "knot.conf"), []byte(conf), 0o600)
	for _, z := range []string{"sv.", "com.sv."} {
		os.WriteFile(filepath.Join(kdir, z+"zone"), []byte(knotprimary.ZoneText(z, 5, 3600, 600, 86400, 3)), 0o600)
	}
	cmd := exec.Command("knotd", "-c", filepath.Join(kdir, "knot.conf"))
	var klog bytes.Buffer
	cmd.Stdout, cmd.Stderr = &klog, &klog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if err := knotprimary.WaitSOA(primary, "com.sv.", 5, 20*time.Second); err != nil {
		t.Fatalf("knotd from the bundle: %v\n%s\n%s", err, conf, klog.String())
	}
	mustRun(t, "client", "trial", "transfer", "com.sv.", "--control", lh.control)
	if !until(15*time.Second, func() bool { return lh.h.Current("sv.") != nil && lh.h.Current("com.sv.") != nil }) {
		t.Fatalf("the hub did not pull both zones from the bundle's Knot")
	}
	if got := strings.Join(catalogMembers(t, lh.h), " "); got != "com.sv. sv." {
		t.Errorf("catalog members %q, want both zones", got)
	}
}
