package metrics

import (
	"os"
	"regexp"
	"testing"
	"time"

	"anycloud/internal/authserver"
	"anycloud/internal/tcpslots"
)

// everyName gathers every metric name the collectors can export.
func everyName(t *testing.T) map[string]bool {
	reg := NewRegistry()
	reg.MustRegister(NewNodeCollector(NodeSources{
		Stats: func() []authserver.ZoneStats {
			return []authserver.ZoneStats{{Zone: "sv.", Queries: 1, UDP: 1, IPv4: 1, Qtype: map[string]uint64{"A": 1},
				Rcode: map[string]uint64{"NOERROR": 1}, Size: map[int]uint64{128: 1}}}
		},
		RRL:   func() authserver.RRLStats { return authserver.RRLStats{} },
		TCP:   func() tcpslots.Stats { return tcpslots.Stats{} },
		Zones: func() []ZoneInfo { return []ZoneInfo{{Zone: "sv.", Serial: 1, LastRefresh: time.Now()}} },
		Announce: func() AnnounceInfo {
			return AnnounceInfo{State: "announced", Sessions: map[string]bool{"p": true}, Prefixes: map[string]bool{"x": true}, Checks: map[string]bool{"c": true}}
		},
	}))
	hub := NewHub(reg)
	hub.TransferAttempts.WithLabelValues("sv.", "axfr").Inc()
	hub.TransferFailures.WithLabelValues("sv.", "timeout").Inc()
	hub.GateRejections.WithLabelValues("sv.", "x").Inc()
	hub.TSIGFailures.WithLabelValues("node-key.").Inc()
	reg.MustRegister(NewSyncCollector(func() []LagSample {
		return []LagSample{{Zone: "sv.", Server: "n", Role: "node", Serial: 1, Reachable: true}}
	}, func() map[string]int { return map[string]int{"node_stale": 0} }))
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	return names
}

// The Grafana dashboard and the metrics reference name only metrics that
// exist, and the reference lists every one.
func TestDashboardAndDocsNameRealMetrics(t *testing.T) {
	names := everyName(t)
	metric := regexp.MustCompile(`anycloud_[a-z_]+[a-z]`)
	for _, file := range []string{"../../examples/grafana-dashboard.json", "../../docs/metrics.md"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		mentioned := map[string]bool{}
		for _, n := range metric.FindAllString(string(data), -1) {
			mentioned[n] = true
			if !names[n] {
				t.Errorf("%s uses %s, which no collector exports", file, n)
			}
		}
		if file == "../../docs/metrics.md" {
			for n := range names {
				if regexp.MustCompile(`^anycloud_`).MatchString(n) && !mentioned[n] {
					t.Errorf("%s does not document %s", file, n)
				}
			}
		}
	}
}
