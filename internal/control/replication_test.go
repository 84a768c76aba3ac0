package control

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/admin"
	"anycloud/internal/adminstate"
	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

const clusterSecret = "a-cluster-secret-of-the-hubs-0123456789-abcdef"

// replicatedHub is one hub of a test cluster with its control client.
type replicatedHub struct {
	*testHub
	ctl  *Client
	yaml string
	port int
}

// startCluster starts n hubs on loopback that replicate their
// administered state; none has a client in its file.
func startCluster(t *testing.T, n int) []*replicatedHub {
	t.Helper()
	return startClusterIn(t, n, func(int, string) {})
}

// startClusterIn starts n fresh hubs on loopback that replicate their
// administered state, calling prepare with each one's directory before
// it starts.
func startClusterIn(t *testing.T, n int, prepare func(i int, dir string)) []*replicatedHub {
	t.Helper()
	hub.FastReplication = true
	t.Cleanup(func() { hub.FastReplication = false })
	var addrs []string
	for range n {
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t)))
	}
	var out []*replicatedHub
	for i := range n {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "cluster.key"), []byte(clusterSecret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		prepare(i, dir)
		port, control := testpeer.FreePort(t), testpeer.FreePort(t)
		y := onboardHubYAML(port, control, dir, "127.0.0.1:1")
		y += fmt.Sprintf("replication:\n  name: hub%d\n  listen: %s\n  secret-file: cluster.key\n  peers:\n", i, addrs[i])
		for j, a := range addrs {
			if j != i {
				y += fmt.Sprintf("    - {name: hub%d, address: %q}\n", j, a)
			}
		}
		rh := &replicatedHub{yaml: y, port: port}
		rh.start(t, dir)
		out = append(out, rh)
	}
	return out
}

func (rh *replicatedHub) start(t *testing.T, dir string) {
	t.Helper()
	rh.testHub = startHub(t, dir, rh.port, rh.yaml)
	ctl, err := Dial(rh.Config().Control, TokenFile(rh.Config()))
	if err != nil {
		t.Fatal(err)
	}
	rh.ctl = ctl
}

// nodeState asks hub at addr for node's state as the node does: a TXT
// query signed with the node's key.
func nodeState(t *testing.T, addr string, key *xfr.Key) string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(adminstate.NodeStateName, dns.TypeTXT)
	m.SetTsig(key.Name, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second, TsigSecret: map[string]string{key.Name: key.Secret}}
	r, _, err := c.Exchange(m, addr)
	if err != nil || len(r.Answer) != 1 {
		return fmt.Sprintf("no answer (%v %v)", err, r)
	}
	return strings.Join(r.Answer[0].(*dns.TXT).Txt, "")
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("never: %s", what)
}

func nodeStateAt(h *hub.Hub, name string) string {
	for _, n := range h.Nodes() {
		if n.Name == name {
			return n.State
		}
	}
	return "absent"
}

// TestReplicatedAdminState: three hubs on loopback. A client added at
// hub 1 appears at hub 0 and hub 2, and each pulls it from its real Knot
// primary with the client's key; a node added and drained at hub 0 is
// drained at hub 1, where the node's own key (the same file at every hub)
// gets the state and the zone. Hub 2 is stopped while a node is disabled
// and a client added; restarted, it catches up and pulls the new zone.
func TestReplicatedAdminState(t *testing.T) {
	hubs := startCluster(t, 3)
	clientKey, _ := xfr.NewKey("added-key.", "hmac-sha256", clientSecret)
	p1 := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "added.", ZoneText: testpeer.ZoneText("added.", 1, 3600, 600, 86400, 3),
		KeyName: clientKey.Name, Algorithm: "hmac-sha256", Secret: clientSecret})
	if err := addClient(t, hubs[1].ctl, "added.", p1.Addr, clientKey); err != nil {
		t.Fatal(err)
	}
	for i, h := range hubs {
		waitFor(t, fmt.Sprintf("hub%d pulls added.", i), 20*time.Second, func() bool {
			v := h.Current("added.")
			return v != nil && v.Serial() == 1
		})
	}

	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
	if err := hubs[0].ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
		t.Fatal(err)
	}
	if err := hubs[0].ctl.Do(http.MethodPost, "/onboard/node-state", NodeStateRequest{Name: "edge1", State: adminstate.NodeDrained}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "edge1 drained at hub1", 10*time.Second, func() bool { return nodeStateAt(hubs[1].Hub, "edge1") == adminstate.NodeDrained })
	if got := nodeState(t, hubs[1].addr, nodeKey); got != adminstate.NodeDrained {
		t.Fatalf("edge1 asks hub1 for its state: %q", got)
	}
	if r, err := (&xfr.Client{Key: nodeKey, Timeout: 2 * time.Second}).AXFR(context.Background(), hubs[1].addr, "added."); err != nil || r.Version.Serial() != 1 {
		t.Fatalf("edge1's AXFR of added. from hub1: %v", err)
	}
	k0, _ := os.ReadFile(hub.AdminPath(hubs[0].Config().Storage, hub.AdminKeyName(nodeKey.Name)))
	for i, h := range hubs[1:] {
		k, _ := os.ReadFile(hub.AdminPath(h.Config().Storage, hub.AdminKeyName(nodeKey.Name)))
		if len(k0) == 0 || !bytes.Equal(k, k0) {
			t.Fatalf("hub%d's key file of edge1 %q differs from hub0's %q", i+1, k, k0)
		}
	}

	// Hub 2 down for a while: the two others are a majority.
	dir2 := hubs[2].dir
	hubs[2].stop()
	if err := hubs[0].ctl.Do(http.MethodPost, "/onboard/node-state", NodeStateRequest{Name: "edge1", State: adminstate.NodeDisabled}, nil); err != nil {
		t.Fatal(err)
	}
	secondKey, _ := xfr.NewKey("second-key.", "hmac-sha256", nodeSecret)
	p2 := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "second.", ZoneText: testpeer.ZoneText("second.", 7, 3600, 600, 86400, 3),
		KeyName: secondKey.Name, Algorithm: "hmac-sha256", Secret: nodeSecret})
	if err := addClient(t, hubs[1].ctl, "second.", p2.Addr, secondKey); err != nil {
		t.Fatal(err)
	}
	hubs[2].start(t, dir2)
	waitFor(t, "hub2 catches up: edge1 disabled", 20*time.Second, func() bool { return nodeStateAt(hubs[2].Hub, "edge1") == adminstate.NodeDisabled })
	waitFor(t, "hub2 pulls second.", 20*time.Second, func() bool {
		v := hubs[2].Current("second.")
		return v != nil && v.Serial() == 7
	})
	if got := nodeState(t, hubs[2].addr, nodeKey); got != adminstate.NodeDisabled {
		t.Fatalf("edge1 asks hub2 for its state: %q", got)
	}
}

// TestReplicationNeedsMajority: with one of two hubs down an
// administrative write fails, in bounded time, and changes nothing; the
// zones are still served.
func TestReplicationNeedsMajority(t *testing.T) {
	hubs := startCluster(t, 2)
	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
	if err := hubs[0].ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "edge1 at hub1", 10*time.Second, func() bool { return nodeStateAt(hubs[1].Hub, "edge1") == adminstate.NodeEnabled })
	hubs[1].stop()
	err := hubs[0].ctl.Do(http.MethodPost, "/onboard/node-state", NodeStateRequest{Name: "edge1", State: adminstate.NodeDrained}, nil)
	if err == nil || !strings.Contains(err.Error(), "majority") {
		t.Fatalf("a write with one of two hubs: %v, want a refusal naming the majority", err)
	}
	if got := nodeState(t, hubs[0].addr, nodeKey); got != adminstate.NodeEnabled {
		t.Fatalf("edge1's state after a refused write: %q", got)
	}
}

// TestReplicationSeedsFromSingleHub: a hub that ran alone (its key files
// named by absolute paths, as before replication) turns replication on
// with a fresh second hub: the second receives its node with the same
// key, and a change at the second reaches the first.
func TestReplicationSeedsFromSingleHub(t *testing.T) {
	th, ctl := startOnboardHub(t, false)
	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
	if err := ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
		t.Fatal(err)
	}
	// As a hub before replication wrote it: the key by its absolute path.
	nodes := hub.AdminPath(th.Config().Storage, hub.AdminNodes)
	data, _ := os.ReadFile(nodes)
	abs := strings.ReplaceAll(string(data), "secret-file: keys/", "secret-file: "+hub.AdminPath(th.Config().Storage, hub.AdminKeys)+"/")
	if abs == string(data) {
		t.Fatalf("nodes.yaml does not name its key as expected:\n%s", data)
	}
	os.WriteFile(nodes, []byte(abs), 0o600)
	th.stop()

	hub.FastReplication = true
	t.Cleanup(func() { hub.FastReplication = false })
	addrs := []string{fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t)), fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))}
	repl := func(i int) string {
		return fmt.Sprintf("replication:\n  name: hub%d\n  listen: %s\n  secret-file: cluster.key\n  peers:\n    - {name: hub%d, address: %q}\n", i, addrs[i], 1-i, addrs[1-i])
	}
	old := &replicatedHub{port: th.port, yaml: onboardHubYAML(th.port, testpeer.FreePort(t), th.dir, "127.0.0.1:1") + repl(0)}
	os.WriteFile(filepath.Join(th.dir, "cluster.key"), []byte(clusterSecret), 0o600)
	old.start(t, th.dir)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cluster.key"), []byte(clusterSecret), 0o600)
	port := testpeer.FreePort(t)
	fresh := &replicatedHub{port: port, yaml: onboardHubYAML(port, testpeer.FreePort(t), dir, "127.0.0.1:1") + repl(1)}
	fresh.start(t, dir)

	waitFor(t, "the fresh hub receives edge1", 20*time.Second, func() bool { return nodeStateAt(fresh.Hub, "edge1") == adminstate.NodeEnabled })
	if got := nodeState(t, fresh.addr, nodeKey); got != adminstate.NodeEnabled {
		t.Fatalf("edge1 asks the fresh hub: %q", got)
	}
	// The other hub's storage path must not travel: on another host it
	// does not exist.
	if got, _ := os.ReadFile(hub.AdminPath(fresh.Config().Storage, hub.AdminNodes)); !strings.Contains(string(got), "secret-file: keys/edge1-key.key") {
		t.Fatalf("the fresh hub's nodes.yaml names the key by another hub's path:\n%s", got)
	}
	if err := fresh.ctl.Do(http.MethodPost, "/onboard/node-state", NodeStateRequest{Name: "edge1", State: adminstate.NodeDrained}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "edge1 drained at the first hub", 10*time.Second, func() bool { return nodeStateAt(old.Hub, "edge1") == adminstate.NodeDrained })
}
