package control

import (
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/admin"
	"anycloud/internal/hub"
	"anycloud/internal/onboard"
	"anycloud/internal/peerconf"
	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// onboardHubYAML is a hub set up for onboarding: no client in the file,
// a control endpoint, the cloud's name server, and root as the parent.
func onboardHubYAML(port, control int, dir, root string) string {
	return fmt.Sprintf(`listen: ["127.0.0.1:%d"]
control: 127.0.0.1:%d
storage: %s
catalog: catalog.anycloud.
timeouts: {transfer: 2s, min-refresh: 1s}
onboarding:
  nameservers: [ns.anycloud.test.]
  service: ["198.51.100.53"]
  root-servers: [%q]
`, port, control, filepath.Join(dir, "storage"), root)
}

// snippetKnot runs knotd as a client's primary configured with nothing
// but anycloud's Knot snippet for key (plus server basics): the test
// proves the snippet works. aclAddr replaces the hub address in the ACL,
// to make a primary that refuses the hub.
func snippetKnot(t *testing.T, zone string, key *xfr.Key, hub netip.AddrPort, aclAddr string, serial uint32) (string, string) {
	t.Helper()
	testenv.Interop(t, "knotd")
	testenv.RequireCommand(t, "knotd")
	dir := t.TempDir()
	port := testpeer.FreePort(t)
	snippet, err := onboard.Snippet("knot", zone, key, []netip.AddrPort{hub})
	if err != nil {
		t.Fatal(err)
	}
	if aclAddr != "" {
		snippet = strings.Replace(snippet, "address: [ "+hub.Addr().String()+" ]", "address: [ "+aclAddr+" ]", 1)
	}
	// The Knot defaults the snippet is merged into: a journal, so the
	// hub gets IXFR of knotChange's transaction.
	conf := peerconf.KnotConfig(peerconf.KnotOptions{Journal: true, Extra: snippet, Port: port}, dir)
	os.WriteFile(filepath.Join(dir, "knot.conf"), []byte(conf), 0o600)
	zoneFile := filepath.Join(dir, strings.TrimSuffix(zone, ".")+".zone") // the template's file: %s.zone
	os.WriteFile(zoneFile, []byte(testpeer.ZoneText(zone, serial, 3600, 600, 86400, 20)+"@ NS ns.anycloud.test.\n"), 0o600)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	testpeer.RunUntilReady(t, dir, []string{"knotd", "-c", filepath.Join(dir, "knot.conf")},
		func() error { return testpeer.WaitSOASerial(addr, zone, 0, time.Second) }, 20*time.Second)
	return addr, dir
}

// knotChange adds a TXT record at the snippet Knot in dir in one
// transaction: Knot raises the serial and sends NOTIFY as the snippet says.
func knotChange(t *testing.T, dir, zone string) {
	t.Helper()
	sock := filepath.Join(dir, "knot.sock")
	for _, args := range [][]string{{"zone-begin", zone}, {"zone-set", zone, "change." + zone, "60", "TXT", "changed"}, {"zone-commit", zone}} {
		if out, err := exec.Command("knotc", append([]string{"-s", sock}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("knotc %v: %v\n%s", args, err, out)
		}
	}
}

// startOnboardHub starts a hub with no clients and a Knot root zone that
// delegates example. to the cloud's name server (or not, when delegated
// is false), and returns it with an authenticated control client.
func startOnboardHub(t *testing.T, delegated bool) (*testHub, *Client) {
	t.Helper()
	rootText := "$TTL 86400\n. SOA a.root.test. hostmaster.test. 1 1800 900 604800 86400\n. NS a.root.test.\na.root.test. A 127.0.0.1\n" +
		"example. NS ns1.example.\nns1.example. A 192.0.2.1\n"
	if delegated {
		rootText += "example. NS ns.anycloud.test.\nns.anycloud.test. A 198.51.100.53\n"
	}
	root := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: ".", ZoneText: rootText})
	dir := t.TempDir()
	port, control := testpeer.FreePort(t), testpeer.FreePort(t)
	th := startHub(t, dir, port, onboardHubYAML(port, control, dir, root.Addr))
	ctl, err := Dial(fmt.Sprintf("127.0.0.1:%d", control), TokenFile(th.Config()))
	if err != nil {
		t.Fatal(err)
	}
	return th, ctl
}

func addClient(t *testing.T, ctl *Client, zone, primary string, key *xfr.Key) error {
	t.Helper()
	return ctl.Do(http.MethodPost, "/onboard/clients", admin.AddClientRequest{Zone: zone, Primaries: []string{primary},
		Key: admin.KeyJSON{Name: key.Name, Algorithm: "hmac-sha256", Secret: key.Secret}}, nil)
}

func check(t *testing.T, ctl *Client, zone, step string, trial *xfr.Key) *onboard.Report {
	t.Helper()
	req := CheckRequest{Zone: zone, Step: step}
	if trial != nil {
		req.Key = &admin.KeyJSON{Name: trial.Name, Algorithm: "hmac-sha256", Secret: trial.Secret}
	}
	var reports []*onboard.Report
	if err := ctl.Do(http.MethodPost, "/onboard/check", req, &reports); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports for one step", len(reports))
	}
	return reports[0]
}

// TestOnboardClientAgainstKnot: a client added through the control API
// with a fresh key, its primary a real Knot configured from the snippet;
// the trials give the right verdicts with the right key, a wrong key
// (BADSIG explained) and a primary that refuses the hub; NS in the zone
// passes and every result is kept with its time.
func TestOnboardClientAgainstKnot(t *testing.T) {
	th, ctl := startOnboardHub(t, true)
	hubAddr := netip.MustParseAddrPort(th.addr)
	key, _ := onboard.NewKey("example.")
	primary, knotDir := snippetKnot(t, "example.", key, hubAddr, "", 7)
	if err := addClient(t, ctl, "example.", primary, key); err != nil {
		t.Fatal(err)
	}
	th.waitSerial(t, "example.", 7, 10*time.Second)

	r := check(t, ctl, "example.", onboard.StepTransfer, nil)
	if !r.Pass || r.Facts["serial"] != "7" || !strings.Contains(r.Facts["notify"], "no NOTIFY received") {
		t.Fatalf("transfer trial with the right key: %+v", r)
	}
	// A change at the primary: Knot sends NOTIFY as the snippet configures
	// it, signed with the key, and the trial says the primary sends it.
	knotChange(t, knotDir, "example.")
	th.waitSerial(t, "example.", 8, 10*time.Second)
	r = check(t, ctl, "example.", onboard.StepTransfer, nil)
	if !r.Pass || r.Facts["serial"] != "8" || !strings.Contains(r.Facts["notify"], "the primary sends NOTIFY") {
		t.Errorf("transfer trial after a change: %+v", r.Facts)
	}
	wrong, _ := onboard.NewKey("example.")
	r = check(t, ctl, "example.", onboard.StepTransfer, wrong)
	if r.Pass || !strings.Contains(r.Reason, "BADSIG") || !strings.Contains(r.Reason, "secrets differ") {
		t.Fatalf("transfer trial with a wrong secret: pass=%v reason %q", r.Pass, r.Reason)
	}
	if r = check(t, ctl, "example.", onboard.StepNSInZone, nil); !r.Pass {
		t.Errorf("NS in zone: %+v", r)
	}
	if r = check(t, ctl, "example.", onboard.StepNSInParent, nil); !r.Pass {
		t.Errorf("NS in parent: %+v", r)
	}
	progress := th.admin.Progress("example.")
	steps := map[string]admin.StepState{}
	for _, s := range progress[0].Steps {
		steps[s.Name] = s
	}
	for _, name := range []string{onboard.StepKey, onboard.StepTransfer, onboard.StepNSInZone, onboard.StepNSInParent} {
		if steps[name].State != "pass" || steps[name].LastPass.IsZero() {
			t.Errorf("step %s: %+v (the trial with the wrong key must not be recorded)", name, steps[name])
		}
	}
	if steps[onboard.StepSync].State != "pending" || progress[0].Pass {
		t.Errorf("sync never ran, yet %+v", progress[0])
	}
	// A rotated key: the primary still has the old one, so the transfer
	// step goes back to pending (status incomplete) and the trial fails
	// with BADSIG until the client installs the new key.
	rotated, _ := onboard.NewKey("example.")
	if err := ctl.Do(http.MethodPost, "/onboard/clients", admin.AddClientRequest{Zone: "example.", Rotate: true,
		Key: admin.KeyJSON{Name: rotated.Name, Algorithm: "hmac-sha256", Secret: rotated.Secret}}, nil); err != nil {
		t.Fatal(err)
	}
	progress = th.admin.Progress("example.")
	if st := progress[0].Steps[1]; st.Name != onboard.StepTransfer || st.State != "pending" || !strings.Contains(st.Todo, "new key") || st.LastPass.IsZero() {
		t.Errorf("transfer step after --rotate: %+v", st)
	}
	if r = check(t, ctl, "example.", onboard.StepTransfer, nil); r.Pass || !strings.Contains(r.Reason, "BADSIG") {
		t.Errorf("transfer with the rotated key against the old primary: pass=%v %q", r.Pass, r.Reason)
	}
	// The secrets never reach the log, at debug level either.
	for _, s := range []string{key.Secret, wrong.Secret, rotated.Secret} {
		if strings.Contains(th.logs.String(), s) {
			t.Errorf("a TSIG secret shows in the hub's log")
		}
	}
}

// TestOnboardFailures: a primary whose ACL leaves the hub out (Knot says
// BADKEY then),
// and a parent without the cloud's name server, each give a failing
// verdict that says why and what to do.
func TestOnboardFailures(t *testing.T) {
	th, ctl := startOnboardHub(t, false)
	key, _ := onboard.NewKey("example.")
	primary, _ := snippetKnot(t, "example.", key, netip.MustParseAddrPort(th.addr), "192.0.2.99", 3)
	if err := addClient(t, ctl, "example.", primary, key); err != nil {
		t.Fatal(err)
	}
	// A NOTIFY signed with another secret is refused, and the trial says
	// why, so the client knows its primary sends it but wrongly.
	bad, _ := xfr.NewKey(key.Name, "hmac-sha256", nodeSecret)
	n := new(dns.Msg)
	n.SetNotify("example.")
	n.SetTsig(bad.Name, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{TsigSecret: map[string]string{bad.Name: bad.Secret}, Timeout: 2 * time.Second}
	if m, _, err := c.Exchange(n, th.addr); err == nil && m.Rcode == dns.RcodeSuccess {
		t.Errorf("a NOTIFY signed with the wrong secret was accepted")
	}
	r := check(t, ctl, "example.", onboard.StepTransfer, nil)
	if r.Pass || !strings.Contains(r.Reason, "BADKEY") || !strings.Contains(r.Reason, "ACL") || r.Todo == "" {
		t.Errorf("refusing primary: pass=%v reason %q todo %q", r.Pass, r.Reason, r.Todo)
	}
	if !strings.Contains(r.Facts["notify"], "was refused: signed with key example-anycloud., which does not verify") {
		t.Errorf("refused NOTIFY: %q", r.Facts["notify"])
	}
	r = check(t, ctl, "example.", onboard.StepNSInParent, nil)
	if r.Pass || !strings.Contains(r.Reason, "missing [ns.anycloud.test.]") || !strings.Contains(r.Todo, "example. NS ns.anycloud.test.") ||
		!strings.Contains(r.Todo, "ns.anycloud.test. A 198.51.100.53") {
		t.Errorf("parent without the cloud: pass=%v reason %q todo %q", r.Pass, r.Reason, r.Todo)
	}
	t.Logf("refused: %s\nparent: %s\nto do: %s", check(t, ctl, "example.", onboard.StepTransfer, nil).Reason, r.Reason, r.Todo)
}

// TestOnboardAddIsAllOrNothing: a second client whose key name clashes is
// refused by the reload, and neither the administered clients nor the key
// files change; the control API refuses requests without the token.
func TestOnboardAddIsAllOrNothing(t *testing.T) {
	th, ctl := startOnboardHub(t, true)
	key, _ := xfr.NewKey("shared-key.", "hmac-sha256", clientSecret)
	if err := addClient(t, ctl, "example.", "127.0.0.1:1", key); err != nil {
		t.Fatal(err)
	}
	clients := hub.AdminPath(th.Config().Storage, hub.AdminClients)
	before, _ := os.ReadFile(clients)
	other, _ := xfr.NewKey("shared-key.", "hmac-sha256", nodeSecret)
	err := addClient(t, ctl, "other.", "127.0.0.1:1", other)
	if err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("clashing key accepted: %v", err)
	}
	after, _ := os.ReadFile(clients)
	secret, _ := os.ReadFile(hub.AdminPath(th.Config().Storage, hub.AdminKeys, "shared-key.key"))
	if string(before) != string(after) || strings.TrimSpace(string(secret)) != clientSecret {
		t.Errorf("a refused add changed the files:\n%s\n%s\nkey %s", before, after, secret)
	}
	if err := addClient(t, ctl, "example.", "127.0.0.1:1", key); err == nil || !strings.Contains(err.Error(), "--rotate") {
		t.Errorf("adding an existing client again: %v", err)
	}
	st, _ := os.Stat(hub.AdminPath(th.Config().Storage, hub.AdminKeys, "shared-key.key"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	anon := &Client{Addr: ctl.Addr, HTTP: ctl.HTTP}
	if err := anon.Do(http.MethodGet, "/status", nil, nil); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("status without the token: %v", err)
	}
	if _, err := Request(ctl.Addr, TokenFile(th.Config()), "status", "", false); err != nil {
		t.Errorf("hub status through the token: %v", err)
	}
}

// TestOnboardSnippetsWorkInNSDAndBIND: the NSD snippet, pasted into an
// otherwise bare nsd.conf, makes a real NSD serve the hub with the key
// (the transfer trial passes); the BIND snippet passes named-checkconf.
func TestOnboardSnippetsWorkInNSDAndBIND(t *testing.T) {
	testenv.Interop(t, "nsd")
	testenv.RequireCommand(t, "nsd")
	th, ctl := startOnboardHub(t, true)
	hubAddr := netip.MustParseAddrPort(th.addr)
	key, _ := onboard.NewKey("example.")
	dir := t.TempDir()
	port := testpeer.FreePort(t)
	zoneFile := filepath.Join(dir, "example.zone")
	os.WriteFile(zoneFile, []byte(testpeer.ZoneText("example.", 11, 3600, 600, 86400, 20)+"@ NS ns.anycloud.test.\n"), 0o600)
	snippet, err := onboard.Snippet("nsd", "example.", key, []netip.AddrPort{hubAddr})
	if err != nil {
		t.Fatal(err)
	}
	snippet = strings.Replace(snippet, "    # ... your existing zonefile stays ...", fmt.Sprintf("    zonefile: %q", zoneFile), 1)
	conf := peerconf.NSDConfig(peerconf.NSDOptions{Extra: snippet, Port: port}, dir)
	os.WriteFile(filepath.Join(dir, "nsd.conf"), []byte(conf), 0o600)
	primary := fmt.Sprintf("127.0.0.1:%d", port)
	testpeer.RunUntilReady(t, dir, []string{"nsd", "-d", "-c", filepath.Join(dir, "nsd.conf")},
		func() error { return testpeer.WaitSOASerial(primary, "example.", 0, time.Second) }, 20*time.Second)
	if err := addClient(t, ctl, "example.", primary, key); err != nil {
		t.Fatal(err)
	}
	if r := check(t, ctl, "example.", onboard.StepTransfer, nil); !r.Pass || r.Facts["serial"] != "11" {
		t.Errorf("transfer trial against NSD from the snippet: %+v", r)
	}
	th.waitSerial(t, "example.", 11, 10*time.Second)

	testenv.RequireCommand(t, "named-checkconf")
	bind, _ := onboard.Snippet("bind", "example.", key, []netip.AddrPort{hubAddr})
	bind = strings.Replace(bind, "    # ... your existing type, file and options stay ...", "    type primary;\n    file \"example.zone\";", 1)
	os.WriteFile(filepath.Join(dir, "named.conf"), []byte(bind), 0o600)
	if b, err := exec.Command("named-checkconf", filepath.Join(dir, "named.conf")).CombinedOutput(); err != nil {
		t.Errorf("named-checkconf on the BIND snippet: %v\n%s\n%s", err, b, bind)
	}
}
