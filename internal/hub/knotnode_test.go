package hub

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/peerconf"
	"anycloud/internal/testpeer"
)

// secondClient is the YAML of a client for example2. at addr.
func secondClient(addr string) string {
	return fmt.Sprintf(`  - name: example2
    zones: [example2.]
    primaries: [%q]
    tsig: {name: client2-key., algorithm: hmac-sha256, secret-file: client.key}
`, addr)
}

// TestKnotNodeConsumesCatalog: Knot DNS as a node of the hub interprets the
// catalog (catalog-role: interpret), serves the member zones, follows a
// change by NOTIFY+IXFR, and picks up a zone added to and removed from the
// hub's configuration.
func TestKnotNodeConsumesCatalog(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	primary := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 5)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{primary.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)

	knot := testpeer.StartKnot(t, peerconf.KnotOptions{
		Zones: []peerconf.Zone{{Origin: "catalog.anycloud.", Primary: th.addr, PrimaryKey: "node1-key.", Catalog: true}},
		Keys:  []peerconf.TSIGKey{{Name: "node1-key.", Algorithm: "hmac-sha256", Secret: nodeSecret}},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Key: "node1-key.", Notify: true}},
	})
	th.reloadWith(t, func(s string) string {
		return strings.Replace(s, fmt.Sprintf("address: 127.0.0.1:%d", hubPort+1), "address: "+knot.Addr, 1)
	})
	waitKnot(t, knot, "example.", 1)

	primary.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 6))
	primary.Reload()
	start := time.Now()
	waitKnot(t, knot, "example.", 2)
	t.Logf("change at the primary served by Knot-as-node after %v", time.Since(start))

	second := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example2.", ZoneText: testpeer.ZoneText("example2.", 7, 3600, 600, 86400, 3),
		KeyName: "client2-key.", Algorithm: "hmac-sha256", Secret: clientSecret})
	th.reloadWith(t, func(s string) string { return strings.Replace(s, "nodes:\n", secondClient(second.Addr)+"nodes:\n", 1) })
	waitKnot(t, knot, "example2.", 7)

	th.reloadWith(t, func(s string) string { return strings.Replace(s, secondClient(second.Addr), "", 1) })
	waitGone(t, knot, "example2.")
}

func waitKnot(t *testing.T, knot *testpeer.Peer, origin string, serial uint32) {
	t.Helper()
	if err := testpeer.WaitSOASerial(knot.Addr, origin, serial, 20*time.Second); err != nil {
		t.Fatalf("knot node: %v\n%s", err, knot.Log())
	}
}

// waitGone waits until addr no longer answers authoritatively for origin.
func waitGone(t *testing.T, knot *testpeer.Peer, origin string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		q := new(dns.Msg)
		q.SetQuestion(origin, dns.TypeSOA)
		r, err := dns.Exchange(q, knot.Addr)
		if err == nil && !r.Authoritative {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s still served after removal from the catalog\n%s", origin, knot.Log())
}
