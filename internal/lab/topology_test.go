package lab

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadTopology(t *testing.T) {
	topo, err := LoadTopology("testdata/topology-small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if topo.Prefix != "sm-" || len(topo.Cities) != 3 || time.Duration(topo.Links[0].Delay) != 14*time.Millisecond {
		t.Errorf("parsed %+v", topo)
	}
	if topo.Service[1] != netip.MustParseAddr("2001:db8:53::53") {
		t.Errorf("service %v", topo.Service)
	}
	plan, err := NewPlan(topo)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := plan.Host("primary-sv"); !ok || h.Namespace != "sm-primary-sv" || h.City != "bogota" {
		t.Errorf("primary-sv host: %+v", h)
	}
}

func TestTopologyValidation(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Topology)
		errHas string
	}{
		{"non-documentation service", func(t *Topology) { t.Service[0] = netip.MustParseAddr("10.0.0.53") }, "documentation"},
		{"non-documentation prefix", func(t *Topology) { t.Announce[0] = netip.MustParsePrefix("192.168.0.0/24") }, "documentation"},
		{"duplicate AS", func(t *Topology) { t.Cities[1].AS = t.Cities[0].AS }, "unique"},
		{"cloud AS reused", func(t *Topology) { t.Cities[0].AS = t.CloudAS }, "unique"},
		{"unknown link city", func(t *Topology) { t.Links[0].B = "lima" }, "unknown"},
		{"unknown node city", func(t *Topology) { t.Nodes = append(t.Nodes, "lima") }, "unknown city"},
		{"bad slug", func(t *Topology) { t.Cities[0].Slug = "Santiago" }, "slug"},
		{"unknown hub city", func(t *Topology) { t.MoreHubs = append(t.MoreHubs, "lima") }, "unknown city"},
		{"unknown noc city", func(t *Topology) { t.Monitor = "lima" }, "unknown city"},
		{"more hubs without a hub", func(t *Topology) { t.Hub = "" }, "need a hub"},
		{"more hubs than a node takes", func(t *Topology) {
			t.MoreHubs = []string{"santiago", "santiago", "bogota", "bogota", "san-jose", "san-jose", "mexico-city", "mexico-city"}
		}, "at most"},
		{"too many hosts in a city", func(t *Topology) {
			for i := 0; i < slotsPerCity; i++ {
				t.Primaries = append(t.Primaries, Primary{Zone: "z" + string(rune('a'+i)), City: "bogota"})
			}
		}, "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topo := Default()
			tc.modify(topo)
			err := topo.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("Validate() = %v, want an error about %q", err, tc.errHas)
			}
		})
	}
}

func TestLoadTopologyRejectsBadFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(f, []byte("links:\n  - {a: x, b: y, delay: soon}\n"), 0o644)
	if _, err := LoadTopology(f); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("LoadTopology = %v, want a duration error with its line", err)
	}
}
