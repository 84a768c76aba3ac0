package monitor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint that records what it is sent.
type receiver struct {
	mu     sync.Mutex
	alerts []Alert
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var a Alert
		if err := json.NewDecoder(req.Body).Decode(&a); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.alerts = append(r.alerts, a)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// waitFor waits up to 5s for an alert with id in state.
func (r *receiver) waitFor(t *testing.T, id, state string) Alert {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, a := range r.alerts {
			if a.ID == id && a.State == state {
				r.mu.Unlock()
				return a
			}
		}
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("webhook got no %s alert %s within 5s; got %+v", state, id, r.alerts)
	return Alert{}
}

func findServer(t *testing.T, st Status, zone, name string) ServerStatus {
	t.Helper()
	for _, z := range st.Zones {
		if z.Zone != zone {
			continue
		}
		for _, s := range z.Nodes {
			if s.Name == name {
				return s
			}
		}
	}
	t.Fatalf("no %s in zone %s", name, zone)
	return ServerStatus{}
}

func findNode(t *testing.T, st Status, name string) NodeStatus {
	t.Helper()
	for _, n := range st.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %s", name)
	return NodeStatus{}
}

func hasActive(st Status, id string) bool {
	for _, a := range st.Alerts.Active {
		if a.ID == id {
			return true
		}
	}
	return false
}

// A node stuck on an old serial while it answers fine becomes stale after
// stale_after, the alert fires only after raise_after rounds, and clears
// only clear_after rounds after the node caught up; the webhook gets both.
func TestNodeBehindBecomesStaleAndRecovers(t *testing.T) {
	const origin = "sv."
	primary := startEngine(t, "primary-sv", origin, 5)
	hub := startEngine(t, "hub", origin, 5)
	nodeA := startEngine(t, "node-a", origin, 5)
	nodeB := startEngine(t, "node-b", origin, 3)
	hook := newReceiver(t)
	cfg := Config{
		Interval: time.Second, Timeout: time.Second, StaleAfter: 30 * time.Second,
		Zones: []ZoneConfig{{Zone: origin, Primaries: []string{primary.addr}}},
		Hub:   &Server{Name: "hub", Addresses: []string{hub.addr}},
		Nodes: []NodeConfig{{Name: "node-a", Unicast: []string{nodeA.addr}}, {Name: "node-b", Unicast: []string{nodeB.addr}}},
		Alerts: AlertConfig{RaiseAfter: 2, ClearAfter: 2,
			Webhook: &Webhook{URL: hook.srv.URL, Backoff: 10 * time.Millisecond}},
	}
	m := New(cfg, quietLog())
	clk := newClock()
	m.now = clk.now
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.dispatch.run(ctx)

	m.Poll(ctx)
	st := m.Snapshot()
	b := findServer(t, st, origin, "node-b")
	if b.Serial == nil || *b.Serial != 3 || b.LagSerials != 2 || b.Sync != "behind" || b.NSID != "node-b" {
		t.Fatalf("node-b after the first round: %+v", b)
	}
	if len(b.Probes) != 2 || b.Probes[0].Transport != "udp" || b.Probes[1].Transport != "tcp" {
		t.Fatalf("node-b probes: want one UDP and one TCP, got %+v", b.Probes)
	}
	if a := findServer(t, st, origin, "node-a"); a.Sync != "in-sync" || a.LagSerials != 0 {
		t.Fatalf("node-a: %+v", a)
	}
	if st.Zones[0].InSync {
		t.Fatal("zone reported in sync while node-b is behind")
	}

	clk.advance(31 * time.Second) // past stale_after: stale, but one bad round only
	m.Poll(ctx)
	st = m.Snapshot()
	if b := findServer(t, st, origin, "node-b"); b.Sync != "stale" || b.LagSeconds < 31 {
		t.Fatalf("node-b after 31s behind: %+v", b)
	}
	if n := findNode(t, st, "node-b"); n.State != "stale" || len(n.StaleZones) != 1 {
		t.Fatalf("node-b state: %+v", n)
	}
	if hasActive(st, "node_stale/node-b sv.") {
		t.Fatal("alert fired after one round; raise_after is 2")
	}
	clk.advance(time.Second)
	m.Poll(ctx)
	if !hasActive(m.Snapshot(), "node_stale/node-b sv.") {
		t.Fatal("no node_stale alert after two stale rounds")
	}
	hook.waitFor(t, "node_stale/node-b sv.", "firing")

	nodeB.publish(t, origin, 5) // caught up
	clk.advance(time.Second)
	m.Poll(ctx)
	st = m.Snapshot()
	if b := findServer(t, st, origin, "node-b"); b.Sync != "in-sync" || b.LagSerials != 0 {
		t.Fatalf("node-b after catching up: %+v", b)
	}
	if !hasActive(st, "node_stale/node-b sv.") {
		t.Fatal("alert cleared after one good round; clear_after is 2")
	}
	clk.advance(time.Second)
	m.Poll(ctx)
	st = m.Snapshot()
	if hasActive(st, "node_stale/node-b sv.") {
		t.Fatal("alert still firing after two good rounds")
	}
	hook.waitFor(t, "node_stale/node-b sv.", "resolved")

	// When node-b first served serial 5: 33 s after the primary did.
	b = findServer(t, st, origin, "node-b")
	if len(b.Served) != 2 || b.Served[0].Serial != 5 || b.Served[0].DelaySeconds == nil || *b.Served[0].DelaySeconds != 33 {
		t.Fatalf("node-b served history: %+v", b.Served)
	}
	if !st.Zones[0].InSync || st.Zones[0].Hub == nil || st.Zones[0].Hub.Sync != "in-sync" {
		t.Fatalf("zone after recovery: in sync %v, hub %+v", st.Zones[0].InSync, st.Zones[0].Hub)
	}
}

// A primary that does not answer raises primary_unreachable; a node that
// lost the zone (REFUSED) is unreachable for it, not in sync.
func TestUnreachablePrimaryAndNodeWithoutZone(t *testing.T) {
	node := startEngine(t, "node-a", "gt.", 1) // serves another zone only
	cfg := Config{
		Timeout: 300 * time.Millisecond,
		Zones:   []ZoneConfig{{Zone: "sv.", Primaries: []string{closedAddr(t)}}},
		Nodes:   []NodeConfig{{Name: "node-a", Unicast: []string{node.addr}}},
		Alerts:  AlertConfig{RaiseAfter: 2, ClearAfter: 2},
	}
	m := New(cfg, quietLog())
	ctx := context.Background()
	m.Poll(ctx)
	m.Poll(ctx)
	st := m.Snapshot()
	if !hasActive(st, "primary_unreachable/sv.") {
		t.Fatalf("no primary_unreachable alert: %+v", st.Alerts.Active)
	}
	if !hasActive(st, "node_unreachable/node-a sv.") {
		t.Fatalf("no node_unreachable alert: %+v", st.Alerts.Active)
	}
	a := findServer(t, st, "sv.", "node-a")
	if a.Reachable || a.Sync != "unreachable" || a.Error == "" {
		t.Fatalf("node-a without the zone: %+v", a)
	}
}
