package metrics

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"anycloud/internal/authserver"
	"anycloud/internal/zone"
)

const testZone = `$TTL 300
@ IN SOA ns1.sv. hostmaster.sv. 2024010107 3600 600 1209600 300
@ IN NS ns1.sv.
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
`

// serveZone runs a real engine with the test zone on a free loopback port.
func serveZone(t *testing.T, srv *authserver.Server) string {
	t.Helper()
	z, err := zone.Parse(strings.NewReader(testZone), "sv.", "sv.zone")
	if err != nil {
		t.Fatal(err)
	}
	srv.Publish(z)
	for attempt := 0; attempt < 10; attempt++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := pc.LocalAddr().String()
		pc.Close()
		ctx, cancel := context.WithCancel(context.Background())
		ready, done := make(chan struct{}), make(chan error, 1)
		go func() { done <- srv.Serve(ctx, []string{addr}, func() { close(ready) }) }()
		select {
		case <-ready:
			t.Cleanup(func() { cancel(); <-done })
			return addr
		case <-done:
			cancel()
		case <-time.After(5 * time.Second):
			cancel()
			t.Fatal("engine not ready after 5s")
		}
	}
	t.Fatal("no free port for the engine")
	return ""
}

func query(t *testing.T, network, addr, name string, qtype uint16) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(1232, true)
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	if _, _, err := c.Exchange(m, addr); err != nil {
		t.Fatalf("%s query %s: %v", network, name, err)
	}
}

// scrape fetches h's text exposition and parses it.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	ts := httptest.NewServer(h)
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL, nil)
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("content type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the exposition: %v", err)
	}
	return fams
}

// value finds the sample of family name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

func TestNodeMetricsFromARealEngine(t *testing.T) {
	srv := authserver.New(authserver.Config{NSID: "node-test", RRL: &authserver.RRLConfig{}})
	addr := serveZone(t, srv)
	for i := 0; i < 3; i++ {
		query(t, "udp", addr, "www.sv.", dns.TypeA)
	}
	query(t, "tcp", addr, "nope.sv.", dns.TypeAAAA)
	query(t, "udp", addr, "example.", dns.TypeA) // not served: REFUSED

	refreshed := time.Unix(1_700_000_000, 0)
	reg := NewRegistry()
	reg.MustRegister(NewNodeCollector(NodeSources{
		Stats: srv.Stats,
		RRL:   srv.RRLStats,
		Zones: func() []ZoneInfo {
			return []ZoneInfo{{Zone: "sv.", Serial: srv.Zone("sv.").Serial(), LastRefresh: refreshed}}
		},
		Announce: func() AnnounceInfo {
			return AnnounceInfo{State: "announced", Sessions: map[string]bool{"192.0.2.254": true},
				Prefixes: map[string]bool{"198.51.100.0/24": true}, Checks: map[string]bool{"soa sv.": true}}
		},
	}))
	fams := scrape(t, Handler(reg))

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"anycloud_dns_queries_total", map[string]string{"zone": "sv.", "transport": "udp"}, 3},
		{"anycloud_dns_queries_total", map[string]string{"zone": "sv.", "transport": "tcp"}, 1},
		{"anycloud_dns_queries_total", map[string]string{"zone": "(none)", "transport": "udp"}, 1},
		{"anycloud_dns_queries_by_family_total", map[string]string{"zone": "sv.", "family": "ipv4"}, 4},
		{"anycloud_dns_queries_by_qtype_total", map[string]string{"zone": "sv.", "qtype": "A"}, 3},
		{"anycloud_dns_responses_total", map[string]string{"zone": "sv.", "rcode": "NOERROR"}, 3},
		{"anycloud_dns_responses_total", map[string]string{"zone": "sv.", "rcode": "NXDOMAIN"}, 1},
		{"anycloud_dns_responses_total", map[string]string{"zone": "(none)", "rcode": "REFUSED"}, 1},
		{"anycloud_dns_queries_do_total", map[string]string{"zone": "sv."}, 4},
		{"anycloud_rrl_limited_responses_total", nil, 0},
		{"anycloud_zone_serial", map[string]string{"zone": "sv."}, 2024010107},
		{"anycloud_zone_last_refresh_timestamp_seconds", map[string]string{"zone": "sv."}, 1_700_000_000},
		{"anycloud_announce_state", map[string]string{"state": "announced"}, 1},
		{"anycloud_announce_state", map[string]string{"state": "drained"}, 0},
		{"anycloud_bgp_session_up", map[string]string{"peer": "192.0.2.254"}, 1},
		{"anycloud_bgp_prefix_announced", map[string]string{"prefix": "198.51.100.0/24"}, 1},
		{"anycloud_health_check_ok", map[string]string{"check": "soa sv."}, 1},
	}
	for _, tc := range tests {
		got, ok := value(t, fams, tc.name, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if f := fams["anycloud_dns_queries_total"]; f.GetType() != dto.MetricType_COUNTER {
		t.Errorf("anycloud_dns_queries_total has type %v, want counter", f.GetType())
	}
}

func TestHubAndSyncMetrics(t *testing.T) {
	reg := NewRegistry()
	hub := NewHub(reg)
	hub.TransferAttempts.WithLabelValues("sv.", "ixfr").Add(2)
	hub.TransferFailures.WithLabelValues("sv.", "tsig").Inc()
	hub.GateRejections.WithLabelValues("sv.", "serial went backwards").Inc()
	reg.MustRegister(NewSyncCollector(func() []LagSample {
		return []LagSample{
			{Zone: "sv.", Server: "primary", Role: "primary", Serial: 10, Reachable: true},
			{Zone: "sv.", Server: "node-a", Role: "node", Serial: 8, Reachable: true, LagSerials: 2, LagSeconds: 42.5, Stale: true},
			{Zone: "sv.", Server: "node-b", Role: "node"},
		}
	}, func() map[string]int { return map[string]int{"node_stale": 1} }))
	fams := scrape(t, Handler(reg))
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"anycloud_transfer_attempts_total", map[string]string{"zone": "sv.", "kind": "ixfr"}, 2},
		{"anycloud_transfer_failures_total", map[string]string{"reason": "tsig"}, 1},
		{"anycloud_gate_rejections_total", map[string]string{"reason": "serial went backwards"}, 1},
		{"anycloud_sync_serial", map[string]string{"server": "primary"}, 10},
		{"anycloud_sync_lag_serials", map[string]string{"server": "node-a"}, 2},
		{"anycloud_sync_lag_seconds", map[string]string{"server": "node-a"}, 42.5},
		{"anycloud_sync_stale", map[string]string{"server": "node-a"}, 1},
		{"anycloud_sync_reachable", map[string]string{"server": "node-b"}, 0},
		{"anycloud_alerts_active", map[string]string{"kind": "node_stale"}, 1},
	}
	for _, tc := range tests {
		got, ok := value(t, fams, tc.name, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if _, ok := value(t, fams, "anycloud_sync_lag_serials", map[string]string{"server": "node-b"}); ok {
		t.Error("an unreachable server with no serial yet must not export a lag")
	}
}

// TestZoneCollector: the hub's zone gauges, scraped and parsed.
func TestZoneCollector(t *testing.T) {
	reg := NewRegistry()
	reg.MustRegister(NewZoneCollector(func() []ZoneInfo {
		return []ZoneInfo{
			{Zone: "sv.", Serial: 2026112701, LastRefresh: time.Unix(1800000000, 500e6)},
			{Zone: "do.", Serial: 7, Expired: true},
		}
	}))
	fams := scrape(t, Handler(reg))
	tests := []struct {
		name, zone string
		want       float64
		present    bool
	}{
		{"anycloud_zone_serial", "sv.", 2026112701, true},
		{"anycloud_zone_last_refresh_timestamp_seconds", "sv.", 1800000000.5, true},
		{"anycloud_zone_expired", "sv.", 0, true},
		{"anycloud_zone_serial", "do.", 7, true},
		{"anycloud_zone_expired", "do.", 1, true},
		{"anycloud_zone_last_refresh_timestamp_seconds", "do.", 0, false}, // never refreshed: absent
	}
	for _, tc := range tests {
		got, ok := value(t, fams, tc.name, map[string]string{"zone": tc.zone})
		if ok != tc.present || got != tc.want {
			t.Errorf("%s{zone=%q} = %v (present %v), want %v (present %v)", tc.name, tc.zone, got, ok, tc.want, tc.present)
		}
	}
}
