package control

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/admin"
	"anycloud/internal/adminstate"
	"anycloud/internal/catalog"
	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

const testCatalog = "catalog.anycloud."

// catalogAXFR is the catalog as a node receives it from hub at addr: its
// serial, its members and its records in wire form, in transfer order.
func catalogAXFR(addr string, key *xfr.Key) (uint32, []string, []byte, error) {
	r, err := (&xfr.Client{Key: key, Timeout: 2 * time.Second}).AXFR(context.Background(), addr, testCatalog)
	if err != nil {
		return 0, nil, nil, err
	}
	members, err := catalog.Parse(r.Version)
	if err != nil {
		return 0, nil, nil, err
	}
	var zones []string
	for _, m := range members {
		zones = append(zones, m.Zone)
	}
	var wire []byte
	for _, rr := range r.Version.Records() {
		buf := make([]byte, dns.Len(rr)+64)
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			return 0, nil, nil, err
		}
		wire = append(wire, buf[:n]...)
	}
	return r.Version.Serial(), zones, wire, nil
}

// waitSameCatalog waits until every running hub serves the catalog with
// exactly want as members, byte for byte the same at each, and returns
// its serial.
func waitSameCatalog(t *testing.T, what string, hubs []*replicatedHub, key *xfr.Key, want ...string) uint32 {
	t.Helper()
	slices.Sort(want)
	var last string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var serial0 uint32
		var wire0 []byte
		ok := true
		var seen []string
		for i, h := range hubs {
			serial, zones, wire, err := catalogAXFR(h.addr, key)
			seen = append(seen, fmt.Sprintf("hub%d: serial %d members %v err %v", i, serial, zones, err))
			if err != nil || !slices.Equal(zones, want) {
				ok = false
				continue
			}
			if i == 0 {
				serial0, wire0 = serial, wire
			} else if serial != serial0 || !bytes.Equal(wire, wire0) {
				ok = false
			}
		}
		if ok {
			return serial0
		}
		last = strings.Join(seen, "; ")
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the hubs never served the same catalog of %v: %s", what, want, last)
	return 0
}

// removeClientZone takes zone out of the administered client list
// through the replicated write path (`client remove`).
func removeClientZone(t *testing.T, a *admin.Admin, zone string) {
	t.Helper()
	if _, err := a.RemoveClient(zone); err != nil {
		t.Fatalf("removing %s: %v", zone, err)
	}
}

// TestReplicatedCatalogSerial: three hubs on loopback. After client
// additions and removals made at different hubs, quickly one after the
// other, every hub serves the same catalog, byte for byte, under the same
// serial; a hub stopped meanwhile catches up to that same serial (not one
// of its own clock); a restart changes nothing; a change of another
// replicated file (a node's state) leaves the catalog alone; and the
// serial only moves forward, from above every clock-based serial. With
// the serial taken from each hub's clock the hub that was down publishes
// the list under its own later time and the hubs differ.
func TestReplicatedCatalogSerial(t *testing.T) {
	hubs := startCluster(t, 3)
	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
	if err := hubs[0].ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
		t.Fatal(err)
	}
	for i, h := range hubs {
		waitFor(t, fmt.Sprintf("edge1 at hub%d", i), 10*time.Second, func() bool { return nodeStateAt(h.Hub, "edge1") == adminstate.NodeEnabled })
	}
	empty := waitSameCatalog(t, "no client yet", hubs, nodeKey)
	if !zonever.SerialNewer(empty, uint32(time.Now().Unix())) {
		t.Fatalf("catalog serial %d is not above the clock-based serials (now %d)", empty, time.Now().Unix())
	}

	clientKey := func(zone string) *xfr.Key {
		k, _ := xfr.NewKey(zone, "hmac-sha256", clientSecret)
		return k
	}
	// No primary answers: the catalog lists a zone whether or not the hub
	// has pulled it yet.
	for i, zone := range []string{"a.example.", "b.example.", "c.example."} {
		if err := addClient(t, hubs[(i+1)%3].ctl, zone, "127.0.0.1:1", clientKey(zone)); err != nil {
			t.Fatalf("adding %s at hub%d: %v", zone, (i+1)%3, err)
		}
	}
	s1 := waitSameCatalog(t, "after three additions at three hubs", hubs, nodeKey, "a.example.", "b.example.", "c.example.")
	if !zonever.SerialNewer(s1, empty) {
		t.Fatalf("serial %d after additions, not above %d", s1, empty)
	}

	// A node's state is replicated too but is no catalog matter.
	if err := hubs[1].ctl.Do(http.MethodPost, "/onboard/node-state", NodeStateRequest{Name: "edge1", State: adminstate.NodeDrained}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "edge1 drained at hub2", 10*time.Second, func() bool { return nodeStateAt(hubs[2].Hub, "edge1") == adminstate.NodeDrained })
	if s := waitSameCatalog(t, "after a node state change", hubs, nodeKey, "a.example.", "b.example.", "c.example."); s != s1 {
		t.Fatalf("a node state change moved the catalog serial from %d to %d", s1, s)
	}

	// Hub 2 down while the list changes several times within a second.
	dir2 := hubs[2].dir
	hubs[2].stop()
	removeClientZone(t, hubs[0].admin, "b.example.")
	if err := addClient(t, hubs[1].ctl, "d.example.", "127.0.0.1:1", clientKey("d.example.")); err != nil {
		t.Fatal(err)
	}
	removeClientZone(t, hubs[1].admin, "a.example.")
	s2 := waitSameCatalog(t, "two hubs after removals and an addition", hubs[:2], nodeKey, "c.example.", "d.example.")
	if !zonever.SerialNewer(s2, s1) {
		t.Fatalf("serial %d after the changes, not above %d", s2, s1)
	}
	time.Sleep(1100 * time.Millisecond) // hub 2's clock, were it used, is now past s2's
	hubs[2].start(t, dir2)
	if s := waitSameCatalog(t, "hub2 caught up", hubs, nodeKey, "c.example.", "d.example."); s != s2 {
		t.Fatalf("after hub2 caught up the serial is %d, want %d", s, s2)
	}

	// A restart, with no change, keeps the catalog as it was.
	dir0 := hubs[0].dir
	hubs[0].stop()
	hubs[0].start(t, dir0)
	if s := waitSameCatalog(t, "hub0 restarted", hubs, nodeKey, "c.example.", "d.example."); s != s2 {
		t.Fatalf("after hub0's restart the serial is %d, want %d", s, s2)
	}

	// One more change at the restarted hub: still the same everywhere, higher.
	removeClientZone(t, hubs[0].admin, "c.example.")
	s3 := waitSameCatalog(t, "after a removal at the restarted hub", hubs, nodeKey, "d.example.")
	if !zonever.SerialNewer(s3, s2) {
		t.Fatalf("serial %d after the last removal, not above %d", s3, s2)
	}
}

// TestCatalogSerialAfterClusterRestore: every hub of a cluster lost, a
// new cluster started from a backup of one of them (its Raft log begins
// again at index 1) serves the catalog above the serial the nodes hold,
// the same at every hub, and moves it forward at the next change. Without
// the backup's floor the new cluster's serials are below the old ones and
// nodes, which never go back, would keep the old member list. The same
// holds for the backup restored onto a single hub (clock-based serials).
func TestCatalogSerialAfterClusterRestore(t *testing.T) {
	old := startCluster(t, 2)
	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
	if err := old[0].ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
		t.Fatal(err)
	}
	for i, zone := range []string{"a.example.", "b.example.", "c.example."} {
		k, _ := xfr.NewKey(zone, "hmac-sha256", clientSecret)
		if err := addClient(t, old[i%2].ctl, zone, "127.0.0.1:1", k); err != nil {
			t.Fatal(err)
		}
	}
	removeClientZone(t, old[1].admin, "b.example.")
	held := waitSameCatalog(t, "the old cluster", old, nodeKey, "a.example.", "c.example.")
	var backup bytes.Buffer
	if err := old[0].Backup(&backup); err != nil {
		t.Fatal(err)
	}
	old[0].stop()
	old[1].stop()

	hubs := startClusterIn(t, 2, func(i int, dir string) {
		if i == 0 {
			if _, err := hub.RestoreBackup(filepath.Join(dir, "storage"), bytes.NewReader(backup.Bytes())); err != nil {
				t.Fatal(err)
			}
		}
	})
	restored := waitSameCatalog(t, "the restored cluster", hubs, nodeKey, "a.example.", "c.example.")
	if !zonever.SerialNewer(restored, held) {
		t.Fatalf("the restored cluster's catalog serial %d is not above %d, which the nodes hold", restored, held)
	}
	k, _ := xfr.NewKey("d.example.", "hmac-sha256", clientSecret)
	if err := addClient(t, hubs[1].ctl, "d.example.", "127.0.0.1:1", k); err != nil {
		t.Fatal(err)
	}
	if s := waitSameCatalog(t, "a change after the restore", hubs, nodeKey, "a.example.", "c.example.", "d.example."); !zonever.SerialNewer(s, restored) {
		t.Fatalf("serial %d after the change, not above %d", s, restored)
	}

	// The same backup restored onto a single hub (no replication): its
	// clock is behind the replicated serial, the floor is not.
	dir := t.TempDir()
	if _, err := hub.RestoreBackup(filepath.Join(dir, "storage"), bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	port := testpeer.FreePort(t)
	single := startHub(t, dir, port, onboardHubYAML(port, testpeer.FreePort(t), dir, "127.0.0.1:1"))
	if s := waitSameCatalog(t, "a single hub restored", []*replicatedHub{{testHub: single}}, nodeKey, "a.example.", "c.example."); !zonever.SerialNewer(s, held) {
		t.Fatalf("the single restored hub's catalog serial %d is not above %d, which the nodes hold", s, held)
	}
}

// TestCatalogSerialUpgradeInPlace: a hub that ran alone (a clock-based
// catalog serial, held by its nodes) turns replication on with a fresh
// second hub: both serve the same catalog, under a serial newer (RFC
// 1982) than the clock-based one, so the nodes take it.
func TestCatalogSerialUpgradeInPlace(t *testing.T) {
	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	var held uint32
	hubs := startClusterIn(t, 2, func(i int, dir string) {
		if i != 0 {
			return
		}
		port, control := testpeer.FreePort(t), testpeer.FreePort(t)
		th := startHub(t, dir, port, onboardHubYAML(port, control, dir, "127.0.0.1:1"))
		ctl, err := Dial(fmt.Sprintf("127.0.0.1:%d", control), TokenFile(th.Config()))
		if err != nil {
			t.Fatal(err)
		}
		add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
		if err := ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
			t.Fatal(err)
		}
		k, _ := xfr.NewKey("a.example.", "hmac-sha256", clientSecret)
		if err := addClient(t, ctl, "a.example.", "127.0.0.1:1", k); err != nil {
			t.Fatal(err)
		}
		single := []*replicatedHub{{testHub: th}}
		held = waitSameCatalog(t, "the single hub", single, nodeKey, "a.example.")
		if now := uint32(time.Now().Unix()); held < now-60 || held > now+60 {
			t.Fatalf("the single hub's catalog serial %d is not its clock's (%d)", held, now)
		}
		th.stop()
	})
	s := waitSameCatalog(t, "the two hubs", hubs, nodeKey, "a.example.")
	if !zonever.SerialNewer(s, held) {
		t.Fatalf("after the upgrade the catalog serial %d is not above the clock-based %d", s, held)
	}
}
