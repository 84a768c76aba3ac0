package node

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
)

const (
	clientSecret = "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk="
	nodeSecret   = "c2VjcmV0LW9mLXRoZS1ub2RlLWtleS0wMTIzNDU2Nzg5YWI="
)

// chain is Knot (primary) -> anycloud hub -> anycloud node, all on loopback.
type chain struct {
	dir      string
	knot     *testpeer.Primary
	hub      *hub.Hub
	hubAddr  string
	nodeAddr string
	nodePort int
	logs     *testpeer.LogBuffer
	stopHub  func()
	nodeYAML string
}

func (c *chain) logger(who string) *slog.Logger {
	return slog.New(slog.NewTextHandler(c.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("who", who)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startChain starts Knot with zone text, the hub pulling from it, and
// returns before any node runs.
func startChain(t *testing.T, zoneText string) *chain {
	t.Helper()
	c := &chain{dir: t.TempDir(), logs: &testpeer.LogBuffer{}}
	hubPort := testpeer.FreePort(t)
	c.nodePort = testpeer.FreePort(t)
	c.hubAddr = fmt.Sprintf("127.0.0.1:%d", hubPort)
	c.nodeAddr = fmt.Sprintf("127.0.0.1:%d", c.nodePort)
	c.knot = testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: zoneText, KeyName: "client-key.",
		Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: c.hubAddr})
	writeFile(t, filepath.Join(c.dir, "client.key"), clientSecret)
	writeFile(t, filepath.Join(c.dir, "node.key"), nodeSecret)
	hubYAML := chainHubYAML(c.hubAddr, filepath.Join(c.dir, "hub"), c.knot.Addr, c.nodeAddr, "node1-key.", "node.key")
	writeFile(t, filepath.Join(c.dir, "hub.yaml"), hubYAML)
	c.restartHub(t)
	c.nodeYAML = fmt.Sprintf(`listen: [%q]
nsid: node1
storage: %s
catalog: catalog.anycloud.
hub:
  addresses: [%q]
  tsig: {name: node1-key., algorithm: hmac-sha256, secret-file: node.key}
timeouts: {transfer: 2s, min-refresh: 1s}
`, c.nodeAddr, filepath.Join(c.dir, "node"), c.hubAddr)
	writeFile(t, filepath.Join(c.dir, "node.yaml"), c.nodeYAML)
	return c
}

// restartHub starts the hub from the chain's hub.yaml.
func (c *chain) restartHub(t *testing.T) {
	t.Helper()
	cfg, err := hub.LoadConfig(filepath.Join(c.dir, "hub.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c.hub, err = hub.New(cfg, c.logger("hub"))
	if err != nil {
		t.Fatal(err)
	}
	c.stopHub = runUntilReady(t, "hub", c.hub.Run)
}

// reloadHub writes yaml as the hub's config and reloads it.
func (c *chain) reloadHub(t *testing.T, yaml string) {
	t.Helper()
	writeFile(t, filepath.Join(c.dir, "hub.yaml"), yaml)
	if err := c.hub.ReloadFile(); err != nil {
		t.Fatal(err)
	}
}

// startNode runs a node from the chain's node.yaml and returns its stop.
func (c *chain) startNode(t *testing.T) (*Node, func()) {
	t.Helper()
	cfg, err := LoadConfig(filepath.Join(c.dir, "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(cfg, c.logger("node"))
	if err != nil {
		t.Fatal(err)
	}
	return n, runUntilReady(t, "node", n.Run)
}

// runUntilReady runs run in the background, waits for ready, and returns a
// stop function (also registered as cleanup).
func runUntilReady(t *testing.T, what string, run func(context.Context, func()) error) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("%s did not start: %v", what, err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("%s did not start in 10s", what)
	}
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// query asks addr for name/qtype over UDP.
func query(addr, name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	c := &dns.Client{Timeout: time.Second}
	r, _, err := c.Exchange(q, addr)
	return r, err
}

// waitNodeSerial waits until the node answers the SOA of origin with serial.
func (c *chain) waitNodeSerial(t *testing.T, origin string, serial uint32, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := testpeer.WaitSOASerial(c.nodeAddr, origin, serial, timeout); err != nil {
		t.Fatalf("node: %v\nlogs:\n%s", err, c.logs.String())
	}
	return time.Since(start)
}

func TestChainKnotHubNode(t *testing.T) {
	c := startChain(t, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 10))
	n, stopNode := c.startNode(t)
	c.waitNodeSerial(t, "example.", 1, 15*time.Second)

	c.knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 11))
	c.knot.Reload()
	took := c.waitNodeSerial(t, "example.", 2, 10*time.Second)
	t.Logf("serial change at Knot served by the node after %v (NOTIFY all the way)", took)
	for _, st := range n.Status() {
		if st.Zone == "example." && st.Refresh.LastKind != "IXFR" {
			t.Errorf("node took serial 2 by %q, want IXFR", st.Refresh.LastKind)
		}
	}
	r, err := query(c.nodeAddr, "d10.example.", dns.TypeNS)
	if err != nil || len(r.Ns) == 0 {
		t.Fatalf("new delegation not served: %v %v", r, err)
	}

	// A restarted node answers from disk while the hub is down.
	stopNode()
	c.stopHub()
	_, _ = c.startNode(t)
	if err := testpeer.WaitSOASerial(c.nodeAddr, "example.", 2, 3*time.Second); err != nil {
		t.Fatalf("restarted node without hub: %v\n%s", err, c.logs.String())
	}
}

// TestNodeExpiresWithoutHub: with the hub gone for longer than SOA EXPIRE
// the node answers SERVFAIL for the zone (as NSD and Knot do) but keeps it,
// and serves again as soon as the hub is back.
func TestNodeExpiresWithoutHub(t *testing.T) {
	c := startChain(t, testpeer.ZoneText("example.", 1, 1, 1, 3, 3))
	_, _ = c.startNode(t)
	c.waitNodeSerial(t, "example.", 1, 15*time.Second)
	c.stopHub()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := query(c.nodeAddr, "example.", dns.TypeSOA)
		if err == nil && r.Rcode == dns.RcodeServerFailure {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("zone not expired 10s after the hub left (expire 3s): %v %v\n%s", r, err, c.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.restartHub(t)
	c.waitNodeSerial(t, "example.", 1, 10*time.Second)
}

// TestNodeFollowsCatalog: a zone removed from the hub's configuration stops
// being served by the node; added back, it is served again.
func TestNodeFollowsCatalog(t *testing.T) {
	c := startChain(t, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 3))
	_, _ = c.startNode(t)
	c.waitNodeSerial(t, "example.", 1, 15*time.Second)
	withZone, err := os.ReadFile(filepath.Join(c.dir, "hub.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	without := strings.Replace(string(withZone), "    zones: [example.]", "    zones: [example-other.]", 1)
	c.reloadHub(t, without)
	waitRcode(t, c.nodeAddr, "example.", dns.RcodeRefused)
	c.reloadHub(t, string(withZone))
	c.waitNodeSerial(t, "example.", 1, 15*time.Second)
}

// TestNodeKeepsLastGoodVersion: a version the hub's gate refuses never
// reaches the node, which keeps serving the last good one.
func TestNodeKeepsLastGoodVersion(t *testing.T) {
	c := startChain(t, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20))
	_, _ = c.startNode(t)
	c.waitNodeSerial(t, "example.", 1, 15*time.Second)
	c.knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 1)) // lost most records
	c.knot.Reload()
	c.knot.WaitSerial(2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _ := c.hub.ZoneStatus("example.")
		if st.Rejected > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub never rejected the shrunk version\n%s", c.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := testpeer.WaitSOASerial(c.nodeAddr, "example.", 1, time.Second); err != nil {
		t.Fatal(err)
	}
}

func waitRcode(t *testing.T, addr, name string, rcode int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r, err := query(addr, name, dns.TypeSOA)
		if err == nil && r.Rcode == rcode {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never answered %s for %s", addr, dns.RcodeToString[rcode], name)
}

// TestNodeFollowsOperatorRollback: a serial the operator forced backwards at
// the hub reaches the node too (the node trusts the hub's gate).
func TestNodeFollowsOperatorRollback(t *testing.T) {
	c := startChain(t, testpeer.ZoneText("example.", 5, 3600, 600, 86400, 3))
	_, _ = c.startNode(t)
	c.waitNodeSerial(t, "example.", 5, 15*time.Second)
	port := c.knot.Port
	c.knot.Stop()
	testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 3, 3600, 600, 86400, 3),
		KeyName: "client-key.", Algorithm: "hmac-sha256", Secret: clientSecret, Port: port})
	if err := c.hub.Retransfer("example.", true); err != nil {
		t.Fatal(err)
	}
	c.waitNodeSerial(t, "example.", 3, 15*time.Second)
}

// chainHubYAML is the hub configuration of the chain tests: one client
// (example., from primary) and one node with its key.
func chainHubYAML(listen, storage, primary, nodeAddr, nodeKeyName, nodeKeyFile string) string {
	return fmt.Sprintf(`listen: [%q]
storage: %s
catalog: catalog.anycloud.
timeouts: {transfer: 2s, min-refresh: 1s}
clients:
  - name: example
    zones: [example.]
    primaries: [%q]
    tsig: {name: client-key., algorithm: hmac-sha256, secret-file: client.key}
nodes:
  - name: node1
    address: %s
    tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}
`, listen, storage, primary, nodeAddr, nodeKeyName, nodeKeyFile)
}
