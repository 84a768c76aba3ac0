package docgen

import (
	"strconv"
	"strings"
	"time"

	"anycloud/internal/authserver"
	"anycloud/internal/metrics"
	"anycloud/internal/tcpslots"
)

// sampleNodeSources give every node metric one sample, so that collecting
// once shows each metric's type.
func sampleNodeSources() metrics.NodeSources {
	one := map[string]bool{"x": true}
	return metrics.NodeSources{
		Stats: func() []authserver.ZoneStats {
			return []authserver.ZoneStats{{Zone: "sv.", Queries: 1, UDP: 1, IPv4: 1, EDNS: 1, DO: 1,
				Qtype: map[string]uint64{"A": 1}, Rcode: map[string]uint64{"NOERROR": 1}, Size: map[int]uint64{128: 1}}}
		},
		RRL: func() authserver.RRLStats { return authserver.RRLStats{} },
		TCP: func() tcpslots.Stats { return tcpslots.Stats{} },
		Zones: func() []metrics.ZoneInfo {
			return []metrics.ZoneInfo{{Zone: "sv.", Serial: 1, LastRefresh: time.Unix(1, 0)}}
		},
		Announce: func() metrics.AnnounceInfo {
			return metrics.AnnounceInfo{State: "announced", Sessions: one, Prefixes: one, Checks: one}
		},
	}
}

func sampleLag() []metrics.LagSample {
	return []metrics.LagSample{
		{Zone: "sv.", Server: "primary", Role: "primary", Serial: 2, Reachable: true},
		{Zone: "sv.", Server: "n", Role: "node", Serial: 1, Reachable: true, LagSerials: 1, LagSeconds: 1, Stale: true},
	}
}

// labelValues says which values a label takes where the code enumerates
// them in unexported places; keyed by metric name, then label. The test
// checks that each names a real metric and label.
var labelValues = map[string]map[string]string{
	"anycloud_dns_queries_total":           {"transport": "`udp`, `tcp`"},
	"anycloud_dns_queries_by_family_total": {"family": "`ipv4`, `ipv6`"},
	"anycloud_dns_queries_by_qtype_total":  {"qtype": "`A`, `AAAA`, ..., `other`"},
	"anycloud_dns_responses_total":         {"rcode": "`NOERROR`, `NXDOMAIN`, `REFUSED`, ..."},
	"anycloud_dns_responses_by_size_total": {"max_bytes": sizeBuckets()},
	"anycloud_announce_state":              {"state": "`announced`, `withdrawn`, `drained`"},
	"anycloud_health_check_ok":             {"check": "`healthy` (the verdict), or a failing check's name"},
	"anycloud_transfer_attempts_total":     {"kind": "`axfr`, `ixfr`"},
	"anycloud_transfer_failures_total":     {"reason": "`timeout`, `refused`, `tsig`, ..."},
	"anycloud_gate_rejections_total":       {"reason": "the gate check that failed"},
	"anycloud_sync_serial":                 {"role": "`primary`, `hub`, `node`"},
	"anycloud_alerts_active":               {"kind": "`node_stale`, `hub_stale`, `zone_near_expire`, ... (docs/api.md)"},
}

// sizeBuckets lists the engine's response size buckets, from the engine.
func sizeBuckets() string {
	var s []string
	for _, b := range authserver.SizeBuckets {
		s = append(s, strconv.Itoa(b))
	}
	return strings.Join(s, ", ")
}
