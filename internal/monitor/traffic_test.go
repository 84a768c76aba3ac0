package monitor

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/metrics"
)

// nodeMetrics serves a real engine's statistics the way a node does.
func nodeMetrics(t *testing.T, e *engine) string {
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewNodeCollector(metrics.NodeSources{Stats: e.srv.Stats}))
	srv := httptest.NewServer(metrics.Handler(reg))
	t.Cleanup(srv.Close)
	return srv.URL
}

func sendQueries(t *testing.T, addr string, n int) {
	t.Helper()
	c := &dns.Client{Timeout: 2 * time.Second}
	for i := 0; i < n; i++ {
		q := new(dns.Msg)
		q.SetQuestion("www.sv.", dns.TypeA)
		if _, _, err := c.Exchange(q, addr); err != nil {
			t.Fatal(err)
		}
	}
}

// Traffic history is the difference of the node's counters between
// scrapes, in hourly buckets with their breakdowns, kept in the state file
// across a restart of the monitor.
func TestTrafficHistoryFromNodeMetrics(t *testing.T) {
	e := startEngine(t, "node-a", "sv.", 1)
	state := filepath.Join(t.TempDir(), "traffic.db")
	cfg := Config{
		StateFile: state,
		Zones:     []ZoneConfig{{Zone: "sv.", Primaries: []string{e.addr}}},
		Nodes:     []NodeConfig{{Name: "node-a", Unicast: []string{e.addr}, MetricsURL: nodeMetrics(t, e)}},
	}
	m := New(cfg, quietLog())
	clk := newClock()
	m.now = clk.now
	ctx := context.Background()
	sendQueries(t, e.addr, 4) // before the baseline: not counted
	m.ScrapeTraffic(ctx)
	sendQueries(t, e.addr, 7)
	clk.advance(10 * time.Second)
	m.ScrapeTraffic(ctx)

	rows, err := m.traffic.rows("sv.", "hour")
	if err != nil || len(rows) != 1 || rows[0].Queries != 7 || rows[0].Node != "node-a" || !rows[0].Start.Equal(clk.t.Truncate(time.Hour)) {
		t.Fatalf("hourly rows: %v %+v", err, rows)
	}
	for _, key := range []string{"transport=udp", "family=ipv4", "qtype=A", "rcode=NOERROR"} {
		if rows[0].By[key] != 7 {
			t.Errorf("breakdown %s = %d, want 7 (all: %v)", key, rows[0].By[key], rows[0].By)
		}
	}
	if rows[0].By["transport=tcp"] != 0 || rows[0].By["do"] != 0 {
		t.Errorf("breakdowns count what did not happen: %v", rows[0].By)
	}
	sum, err := m.traffic.summary([]string{"sv."}, clk.t)
	if err != nil || sum[0].Last24h[23] != 7 || sum[0].Last24hByNode["node-a"][23] != 7 || sum[0].RateQPS["node-a"] != 0.7 || sum[0].By["qtype=A"] != 7 || sum[0].LastHourByNode["node-a"][59] != 7 {
		t.Fatalf("summary: %v %+v", err, sum)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// A new monitor on the same state file keeps the history.
	m2 := New(cfg, quietLog())
	t.Cleanup(func() { m2.Close() })
	m2.now = clk.now
	h := m2.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/traffic/sv?period=day&format=csv", nil))
	recs, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][0] != "sv." || recs[1][1] != "2026-11-26T00:00:00Z" || recs[1][3] != "7" {
		t.Fatalf("daily CSV after restart: %v %q", err, recs)
	}
	if col := indexOf(recs[0], "qtype=A"); col < 0 || recs[1][col] != "7" {
		t.Fatalf("daily CSV has no qtype=A column of 7: %q", recs)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/traffic/sv.", nil))
	var doc struct {
		Period string       `json:"period"`
		Rows   []TrafficRow `json:"rows"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Period != "hour" || len(doc.Rows) != 1 {
		t.Fatalf("hourly JSON: %v %s", err, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/traffic/nope.", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("unknown zone: status %d", rec.Code)
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
