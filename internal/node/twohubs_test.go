package node

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
)

// A second node key: hub B has its own key for the node, so the node must
// sign each hub's requests with that hub's key.
const nodeSecretB = "c2Vjb25kLWh1Yi1rZXktZm9yLW5vZGUxLTAxMjM0NTY3ODk="

// hubPair is one Knot primary, two anycloud hubs (A on 127.0.0.1, B on
// 127.0.0.2) pulling from it on their own, and a node listing both.
type hubPair struct {
	*chain
	hubs  [2]*hub.Hub
	addrs [2]string
	stop  [2]func()
}

var hubIPs = [2]string{"127.0.0.1", "127.0.0.2"}

func startTwoHubs(t *testing.T, zoneText string) *hubPair {
	t.Helper()
	c := &chain{dir: t.TempDir(), logs: &testpeer.LogBuffer{}}
	th := &hubPair{chain: c}
	c.nodePort = testpeer.FreePort(t)
	c.nodeAddr = fmt.Sprintf("127.0.0.1:%d", c.nodePort)
	for i := range th.addrs {
		th.addrs[i] = fmt.Sprintf("%s:%d", hubIPs[i], testpeer.FreePort(t))
	}
	c.hubAddr = th.addrs[0]
	c.knot = testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: zoneText, KeyName: "client-key.",
		Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: th.addrs[0]})
	writeFile(t, filepath.Join(c.dir, "client.key"), clientSecret)
	writeFile(t, filepath.Join(c.dir, "node.key"), nodeSecret)
	writeFile(t, filepath.Join(c.dir, "node-b.key"), nodeSecretB)
	for i := range th.addrs {
		th.writeHubYAML(t, i, c.knot.Addr)
		th.startHub(t, i)
	}
	c.nodeYAML = fmt.Sprintf(`listen: [%q]
nsid: node1
storage: %s
catalog: catalog.anycloud.
%stimeouts: {transfer: 2s, min-refresh: 1s, max-refresh: 1s}
`, c.nodeAddr, filepath.Join(c.dir, "node"), twoHubsYAML(th.addrs[0], th.addrs[1]))
	writeFile(t, filepath.Join(c.dir, "node.yaml"), c.nodeYAML)
	return th
}

// twoHubsYAML is the hubs: section of a node with hub-a at a and hub-b at
// b, each with its own key for the node (node.key, node-b.key).
func twoHubsYAML(a, b string) string {
	return fmt.Sprintf(`hubs:
  - name: hub-a
    addresses: [%q]
    tsig: {name: node1-key., algorithm: hmac-sha256, secret-file: node.key}
  - name: hub-b
    addresses: [%q]
    tsig: {name: node1-b-key., algorithm: hmac-sha256, secret-file: node-b.key}
`, a, b)
}

// writeHubYAML writes hub i's configuration with primary as the client's
// primary (a dead address keeps the hub on its stored copy).
func (th *hubPair) writeHubYAML(t *testing.T, i int, primary string) {
	t.Helper()
	keyName, keyFile := []string{"node1-key.", "node1-b-key."}[i], []string{"node.key", "node-b.key"}[i]
	writeFile(t, filepath.Join(th.dir, fmt.Sprintf("hub%d.yaml", i)),
		chainHubYAML(th.addrs[i], filepath.Join(th.dir, fmt.Sprintf("hub%d", i)), primary, th.nodeAddr, keyName, keyFile))
}

func (th *hubPair) startHub(t *testing.T, i int) {
	t.Helper()
	cfg, err := hub.LoadConfig(filepath.Join(th.dir, fmt.Sprintf("hub%d.yaml", i)))
	if err != nil {
		t.Fatal(err)
	}
	th.hubs[i], err = hub.New(cfg, th.logger(fmt.Sprintf("hub%d", i)))
	if err != nil {
		t.Fatal(err)
	}
	th.stop[i] = runUntilReady(t, fmt.Sprintf("hub%d", i), th.hubs[i].Run)
}

// bump makes Knot serve serial and waits for hub i (of those given) to
// have it.
func (th *hubPair) bump(t *testing.T, serial uint32, refresh, retry, expire uint32, hubs ...int) {
	t.Helper()
	th.knot.WriteZone(testpeer.ZoneText("example.", serial, refresh, retry, expire, 3))
	th.knot.Reload()
	th.knot.WaitSerial(serial)
	for _, i := range hubs {
		th.waitHub(t, i, serial)
	}
}

// waitHub waits until hub i serves serial (it answers only its nodes, so
// it is asked directly).
func (th *hubPair) waitHub(t *testing.T, i int, serial uint32) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("hub %d at serial %d", i, serial), 15*time.Second, func() bool {
		v := th.hubs[i].Current("example.")
		return v != nil && v.Serial() == serial
	})
}

// rollBack restarts Knot with an older serial (Knot refuses to reload one)
// on the same port.
func (th *hubPair) rollBack(t *testing.T, serial uint32) {
	t.Helper()
	port := th.knot.Port
	th.knot.Stop()
	th.knot = testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", serial, 3600, 600, 86400, 3),
		KeyName: "client-key.", Algorithm: "hmac-sha256", Secret: clientSecret, Port: port})
}

// watch queries the node's SOA every 100ms (under the default rate limit) until stop is closed and counts
// answers that are not NOERROR (an expired zone answers SERVFAIL) and
// serials lower than the highest seen (the node went back).
type watch struct {
	bad, back atomic.Int64
	stop      chan struct{}
	done      chan struct{}
	once      sync.Once
}

func watchNode(addr string) *watch {
	w := &watch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		var high uint32
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			r, err := query(addr, "example.", dns.TypeSOA)
			if err != nil || r.Truncated {
				continue // a lost packet or a rate-limit slip is not the zone's answer
			}
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
				w.bad.Add(1)
				continue
			}
			if soa, ok := r.Answer[0].(*dns.SOA); ok {
				if soa.Serial < high {
					w.back.Add(1)
				}
				high = max(high, soa.Serial)
			}
		}
	}()
	return w
}

// logWatch reports the counts at the end of a test, failed ones included
// (the figures for docs/reliability.md).
func logWatch(t *testing.T, w *watch) {
	bad, back := w.end()
	t.Logf("watch: %d answers not NOERROR, %d serials lower than one served before", bad, back)
}

func (w *watch) end() (bad, back int64) {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	return w.bad.Load(), w.back.Load()
}

// TestTwoHubsOneDownLongerThanExpire: with hub A stopped for twice the SOA
// expire, the node keeps answering (never SERVFAIL: the expire timer counts
// from the last contact with ANY hub) and a bump at the primary reaches it
// through hub B, signed with hub B's own key.
func TestTwoHubsOneDownLongerThanExpire(t *testing.T) {
	th := startTwoHubs(t, testpeer.ZoneText("example.", 1, 1, 1, 4, 3))
	_, _ = th.startNode(t)
	th.waitNodeSerial(t, "example.", 1, 15*time.Second)
	w := watchNode(th.nodeAddr)
	defer logWatch(t, w)
	th.stop[0]()
	time.Sleep(5 * time.Second) // past the 4s expire
	th.bump(t, 2, 1, 1, 4, 1)
	th.waitNodeSerial(t, "example.", 2, 10*time.Second)
	time.Sleep(3 * time.Second)
	bad, back := w.end()
	t.Logf("hub A down 8s+ (expire 4s): %d answers not NOERROR, %d serials back", bad, back)
	if bad != 0 || back != 0 {
		t.Fatalf("with hub B up the node answered %d times without NOERROR and went back %d times\n%s", bad, back, th.logs.String())
	}
}

// TestTwoHubsLaggingHubNeverTakesZoneBack: hub A comes back from its
// stored, older copy and cannot reach the primary (it lags for good); the
// node, which took serial 2 from hub B, never goes back to 1, and still
// takes serial 3 from hub B although hub A is listed first.
func TestTwoHubsLaggingHubNeverTakesZoneBack(t *testing.T) {
	th := startTwoHubs(t, testpeer.ZoneText("example.", 1, 1, 1, 3600, 3))
	_, _ = th.startNode(t)
	th.waitNodeSerial(t, "example.", 1, 15*time.Second)
	th.stop[0]()
	th.bump(t, 2, 1, 1, 3600, 1)
	th.waitNodeSerial(t, "example.", 2, 10*time.Second)

	w := watchNode(th.nodeAddr)
	defer logWatch(t, w)
	th.writeHubYAML(t, 0, "127.0.0.1:1") // no primary: hub A stays at 1
	th.startHub(t, 0)
	th.waitHub(t, 0, 1)
	time.Sleep(3 * time.Second) // several node refreshes against both
	th.bump(t, 3, 1, 1, 3600, 1)
	th.waitNodeSerial(t, "example.", 3, 10*time.Second)
	time.Sleep(2 * time.Second)
	bad, back := w.end()
	if v := th.hubs[0].Current("example."); v == nil || v.Serial() != 1 {
		t.Fatalf("hub A no longer lags, the test proves nothing: %v", v)
	}
	t.Logf("hub A at serial 1, hub B ahead: %d answers not NOERROR, %d serials back", bad, back)
	if bad != 0 || back != 0 {
		t.Fatalf("the node went back %d times (%d answers not NOERROR) because hub A lags\n%s", back, bad, th.logs.String())
	}
}

// TestTwoHubsRollbackNeedsEveryHub: an operator's retransfer
// --accept-older at hub A alone does not take the node back; done at hub B
// too, the node follows the older serial.
func TestTwoHubsRollbackNeedsEveryHub(t *testing.T) {
	th := startTwoHubs(t, testpeer.ZoneText("example.", 5, 3600, 600, 86400, 3))
	_, _ = th.startNode(t)
	th.waitNodeSerial(t, "example.", 5, 15*time.Second)
	th.rollBack(t, 3) // the primary went back; the hubs keep 5
	if err := th.hubs[0].Retransfer("example.", true); err != nil {
		t.Fatal(err)
	}
	th.waitHub(t, 0, 3)
	time.Sleep(3 * time.Second) // several node refreshes
	if err := testpeer.WaitSOASerial(th.nodeAddr, "example.", 5, time.Second); err != nil {
		t.Fatalf("the node followed a rollback done at hub A alone: %v\n%s", err, th.logs.String())
	}
	if err := th.hubs[1].Retransfer("example.", true); err != nil {
		t.Fatal(err)
	}
	th.waitNodeSerial(t, "example.", 3, 15*time.Second)
}

// TestTwoHubsRollbackNeedsEveryHubAnswering: hub A rolled back and hub B
// down: the node cannot know B agrees, so it keeps its newer serial.
func TestTwoHubsRollbackNeedsEveryHubAnswering(t *testing.T) {
	th := startTwoHubs(t, testpeer.ZoneText("example.", 5, 3600, 600, 86400, 3))
	_, _ = th.startNode(t)
	th.waitNodeSerial(t, "example.", 5, 15*time.Second)
	th.stop[1]()
	th.rollBack(t, 3)
	if err := th.hubs[0].Retransfer("example.", true); err != nil {
		t.Fatal(err)
	}
	th.waitHub(t, 0, 3)
	time.Sleep(3 * time.Second)
	if err := testpeer.WaitSOASerial(th.nodeAddr, "example.", 5, time.Second); err != nil {
		t.Fatalf("the node followed a rollback with hub B down: %v\n%s", err, th.logs.String())
	}
}
