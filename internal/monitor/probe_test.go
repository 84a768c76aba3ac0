package monitor

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// What `anycloud probe` does: ask the "anycast" address which node answers
// (a real engine with an NSID), over UDP and TCP, and post it to a monitor.
func TestProbeAndPostToMonitor(t *testing.T) {
	node := startEngine(t, "node-bogota", "sv.", 1)
	m := New(Config{
		Zones:    []ZoneConfig{{Zone: "sv.", Primaries: []string{node.addr}}},
		Vantages: []Vantage{{Name: "bogota", City: "Bogotá", Lat: 4.71, Lon: -74.07}},
	}, quietLog())
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	results := ProbeAnycast([]string{node.addr, closedAddr(t)}, []string{"udp", "tcp"}, 500*time.Millisecond)
	if len(results) != 4 {
		t.Fatalf("want 4 results, got %+v", results)
	}
	for _, r := range results[:2] {
		if r.NSID != "node-bogota" || r.Error != "" || r.RTTms <= 0 {
			t.Errorf("probe of the node over %s: %+v", r.Transport, r)
		}
	}
	for _, r := range results[2:] {
		if r.Error == "" {
			t.Errorf("probe of a closed port over %s succeeded: %+v", r.Transport, r)
		}
	}
	if err := PostProbe(context.Background(), srv.URL, ProbeReport{Vantage: "bogota", Results: results}); err != nil {
		t.Fatal(err)
	}
	if v := m.Snapshot().Vantages[0]; v.Node != "node-bogota" || len(v.Results) != 4 {
		t.Fatalf("vantage after the post: %+v", v)
	}
	if err := PostProbe(context.Background(), srv.URL, ProbeReport{Vantage: "lima"}); err == nil {
		t.Fatal("a probe from an unknown vantage was accepted")
	}
}
