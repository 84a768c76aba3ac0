package monitor

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"anycloud/internal/metrics"
)

// A client joining adds its zone; a node leaving takes its column away;
// what is known about the rest is kept.
func TestReconfigureKeepsHistory(t *testing.T) {
	primary := startEngine(t, "primary", "sv.", 7)
	primary.publish(t, "gt.", 3)
	a := startEngine(t, "node-a", "sv.", 7)
	a.publish(t, "gt.", 3)
	b := startEngine(t, "node-b", "sv.", 6)
	cfg := Config{
		Zones: []ZoneConfig{{Zone: "sv.", Primaries: []string{primary.addr}}},
		Nodes: []NodeConfig{{Name: "node-a", Unicast: []string{a.addr}}, {Name: "node-b", Unicast: []string{b.addr}}},
	}
	m := New(cfg, quietLog())
	clk := newClock()
	m.now = clk.now
	ctx := context.Background()
	m.Poll(ctx)
	firstSeen := clk.t

	cfg.Zones = append(cfg.Zones, ZoneConfig{Zone: "gt.", Primaries: []string{primary.addr}})
	cfg.Nodes = cfg.Nodes[:1]
	if err := m.Reconfigure(cfg); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Minute)
	m.Poll(ctx)
	st := m.Snapshot()
	if len(st.Zones) != 2 || len(st.Nodes) != 1 || len(st.Zones[0].Nodes) != 1 {
		t.Fatalf("after reconfiguring: %d zones, %d nodes, %d sv. columns", len(st.Zones), len(st.Nodes), len(st.Zones[0].Nodes))
	}
	sv := findServer(t, st, "sv.", "node-a")
	if len(sv.Served) != 1 || !sv.Served[0].At.Equal(firstSeen) {
		t.Fatalf("node-a lost its sv. history: %+v", sv.Served)
	}
	if gt := findServer(t, st, "gt.", "node-a"); gt.Serial == nil || *gt.Serial != 3 || gt.Sync != "in-sync" {
		t.Fatalf("new zone gt. at node-a: %+v", gt)
	}
	if err := m.Reconfigure(Config{Nodes: []NodeConfig{{Name: "hub", Unicast: []string{"192.0.2.1"}}}}); err == nil {
		t.Fatal("a node named like the hub was accepted")
	}
	if err := m.Reconfigure(Config{}); err != nil || len(m.Snapshot().Zones) != 0 {
		t.Fatalf("a hub whose last client left: %v", err)
	}
}

// A node whose /metrics says it has not refreshed a zone from the hub for
// most of the SOA EXPIRE raises zone_near_expire even though its serial is
// current (it lost the hub, and the zone did not change).
func TestNearExpireFromNodeRefreshTime(t *testing.T) {
	primary := startEngine(t, "primary", "sv.", 7)
	node := startEngine(t, "node-a", "sv.", 7)
	clk := newClock()
	var mu sync.Mutex
	refreshed := clk.t.Add(-6 * 24 * time.Hour)
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewNodeCollector(metrics.NodeSources{
		Stats: node.srv.Stats,
		Zones: func() []metrics.ZoneInfo {
			mu.Lock()
			defer mu.Unlock()
			return []metrics.ZoneInfo{{Zone: "sv.", Serial: node.srv.Zone("sv.").Serial(), LastRefresh: refreshed}}
		},
	}))
	nodeMetrics := httptest.NewServer(metrics.Handler(reg))
	defer nodeMetrics.Close()
	m := New(Config{
		Zones:  []ZoneConfig{{Zone: "sv.", Primaries: []string{primary.addr}}},
		Nodes:  []NodeConfig{{Name: "node-a", Unicast: []string{node.addr}, MetricsURL: nodeMetrics.URL}},
		Alerts: AlertConfig{RaiseAfter: 1, ClearAfter: 1},
	}, quietLog())
	m.now = clk.now
	ctx := context.Background()
	// The test zone's EXPIRE is 1209600 s (14 days); warning at half.
	m.ScrapeTraffic(ctx)
	m.Poll(ctx)
	if hasActive(m.Snapshot(), "zone_near_expire/node-a sv.") {
		t.Fatal("warned at 6 of 14 days")
	}
	mu.Lock()
	refreshed = clk.t.Add(-8 * 24 * time.Hour)
	mu.Unlock()
	m.ScrapeTraffic(ctx)
	m.Poll(ctx)
	st := m.Snapshot()
	if !hasActive(st, "zone_near_expire/node-a sv.") {
		t.Fatalf("no warning at 8 of 14 days: %+v", st.Alerts.Active)
	}
	if a := findServer(t, st, "sv.", "node-a"); a.LastRefresh == nil || !a.LastRefresh.Equal(refreshed) {
		t.Fatalf("last refresh of node-a: %v, want %v", a.LastRefresh, refreshed)
	}
}
