package monitor

import (
	"path/filepath"
	"reflect"
	"testing"
)

// Both history stores add into the hour, list a range and forget what is
// older than the limit, the same way.
func TestHistoryStores(t *testing.T) {
	for _, path := range []string{"", filepath.Join(t.TempDir(), "h.db")} {
		s, err := openHistory(path)
		if err != nil {
			t.Fatal(err)
		}
		a := Counts{Queries: 3, By: map[string]uint64{"qtype=A": 3}}
		for _, step := range []struct {
			hour int64
			node string
		}{{3600, "n1"}, {3600, "n1"}, {3600, "n2"}, {7200, "n1"}} {
			if err := s.add(step.hour, step.node, map[string]Counts{"sv.": a}); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.hours("sv.", 3600, 3600)
		want := map[int64]hourCounts{3600: {"n1": {Queries: 6, By: map[string]uint64{"qtype=A": 6}}, "n2": a}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("store %q: hour 3600 = %+v, want %+v", path, got, want)
		}
		if err := s.prune(7200); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.hours("sv.", 0, 1<<40); len(got) != 1 || got[7200] == nil {
			t.Errorf("store %q after pruning before 7200: %+v", path, got)
		}
		if got, _ := s.hours("nope.", 0, 1<<40); len(got) != 0 {
			t.Errorf("store %q: unknown zone has %+v", path, got)
		}
		s.close()
	}
}

func TestDeltaCounts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		prev, cur map[string]float64
		want      Counts
	}{
		{"growth", map[string]float64{"queries": 5, "qtype=A": 5}, map[string]float64{"queries": 9, "qtype=A": 6, "qtype=MX": 3},
			Counts{Queries: 4, By: map[string]uint64{"qtype=A": 1, "qtype=MX": 3}}},
		{"node restarted", map[string]float64{"queries": 50}, map[string]float64{"queries": 2}, Counts{Queries: 2}},
		{"nothing new", map[string]float64{"queries": 5}, map[string]float64{"queries": 5}, Counts{}},
	} {
		if got := deltaCounts(tc.prev, tc.cur); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
