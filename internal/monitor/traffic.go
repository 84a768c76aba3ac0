package monitor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// keepHours bounds the traffic history: 35 days of hourly counts.
const keepHours = 35 * 24

// traffic is the per-client query history, built from the deltas of each
// node's per-zone counters between scrapes and kept in hourly buckets per
// zone and node (historyStore).
type traffic struct {
	mu    sync.Mutex
	log   *slog.Logger
	store historyStore
	last  map[string]map[string]map[string]float64 // node -> zone -> series key -> counter at last scrape
	lastT map[string]time.Time
	rates map[string]map[string]float64 // zone -> node -> queries/s over the last interval
	// minutes is the last hour by minute, in memory only, so that a
	// dashboard opened on a fresh cloud (the lab) has a chart to show:
	// zone -> node -> minute start (Unix) -> queries.
	minutes map[string]map[string]map[int64]uint64
}

func newTraffic(path string, log *slog.Logger) *traffic {
	store, err := openHistory(path)
	if err != nil {
		log.Error("traffic history kept in memory only", "err", err)
		store, _ = openHistory("")
	}
	return &traffic{log: log, store: store, last: map[string]map[string]map[string]float64{},
		lastT: map[string]time.Time{}, rates: map[string]map[string]float64{}, minutes: map[string]map[string]map[int64]uint64{}}
}

// add folds one scrape of node (zone -> series key -> counter) taken at now.
func (t *traffic) add(node string, counters map[string]map[string]float64, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, prevT := t.last[node], t.lastT[node]
	t.last[node], t.lastT[node] = counters, now
	if prev == nil {
		return nil // the first scrape is only a baseline
	}
	deltas := map[string]Counts{}
	for zone, series := range counters {
		c := deltaCounts(prev[zone], series)
		if c.Queries > 0 || len(c.By) > 0 {
			deltas[zone] = c
		}
		if t.rates[zone] == nil {
			t.rates[zone] = map[string]float64{}
		}
		if el := now.Sub(prevT).Seconds(); el > 0 {
			t.rates[zone][node] = float64(c.Queries) / el
		}
		t.addMinute(zone, node, now, c.Queries)
	}
	hour := now.Truncate(time.Hour).Unix()
	if err := t.store.add(hour, node, deltas); err != nil {
		return err
	}
	return t.store.prune(hour - keepHours*3600)
}

// deltaCounts is what happened between two scrapes of a zone. A counter
// that went down means the node restarted and began again from zero.
func deltaCounts(prev, cur map[string]float64) Counts {
	c := Counts{By: map[string]uint64{}}
	for key, v := range cur {
		d := v - prev[key]
		if d < 0 {
			d = v
		}
		if d == 0 {
			continue
		}
		if key == "queries" {
			c.Queries = uint64(d)
		} else {
			c.By[key] = uint64(d)
		}
	}
	if len(c.By) == 0 {
		c.By = nil
	}
	return c
}

// addMinute adds queries to the minute of now and forgets minutes older
// than an hour; t.mu held.
func (t *traffic) addMinute(zone, node string, now time.Time, queries uint64) {
	if t.minutes[zone] == nil {
		t.minutes[zone] = map[string]map[int64]uint64{}
	}
	if t.minutes[zone][node] == nil {
		t.minutes[zone][node] = map[int64]uint64{}
	}
	m := t.minutes[zone][node]
	cur := now.Truncate(time.Minute).Unix()
	m[cur] += queries
	for start := range m {
		if start <= cur-3600 {
			delete(m, start)
		}
	}
}

func (t *traffic) close() error { return t.store.close() }

// runTraffic scrapes every node's /metrics each stats interval.
func (m *Monitor) runTraffic(ctx context.Context) {
	t := time.NewTicker(m.config().StatsInterval)
	defer t.Stop()
	for {
		m.ScrapeTraffic(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ScrapeTraffic reads every node's /metrics once: per-zone counters for the
// traffic history, and when each zone was last refreshed from the hub.
func (m *Monitor) ScrapeTraffic(ctx context.Context) {
	cfg := m.config()
	client := &http.Client{Timeout: cfg.Timeout}
	for _, n := range cfg.Nodes {
		if n.MetricsURL == "" {
			continue
		}
		sc, err := scrapeNode(ctx, client, n.MetricsURL)
		if err != nil {
			m.log.Warn("node metrics not scraped", "node", n.Name, "err", err)
			continue
		}
		if err := m.traffic.add(n.Name, sc.counters, m.now()); err != nil {
			m.log.Error("traffic history not saved", "node", n.Name, "err", err)
		}
		m.mu.Lock()
		m.refreshed[n.Name] = sc.refreshed
		m.mu.Unlock()
	}
}

// nodeScrape is what the monitor takes from a node's /metrics.
type nodeScrape struct {
	counters  map[string]map[string]float64 // zone -> series key ("queries", "qtype=A", ...) -> value
	refreshed map[string]time.Time          // zone -> anycloud_zone_last_refresh_timestamp_seconds
}

// breakdowns maps the node's per-zone counters to series keys: the label
// named here becomes "key=value"; no label, the key alone.
var breakdowns = []struct{ family, key, label string }{
	{"anycloud_dns_queries_total", "transport", "transport"},
	{"anycloud_dns_queries_by_family_total", "family", "family"},
	{"anycloud_dns_queries_by_qtype_total", "qtype", "qtype"},
	{"anycloud_dns_responses_total", "rcode", "rcode"},
	{"anycloud_dns_queries_edns_total", "edns", ""},
	{"anycloud_dns_queries_do_total", "do", ""},
	{"anycloud_dns_responses_by_size_total", "size", "max_bytes"},
}

func scrapeNode(ctx context.Context, client *http.Client, url string) (nodeScrape, error) {
	sc := nodeScrape{counters: map[string]map[string]float64{}, refreshed: map[string]time.Time{}}
	fams, err := fetchMetrics(ctx, client, url)
	if err != nil {
		return sc, err
	}
	for _, b := range breakdowns {
		eachZone(fams[b.family], func(zone string, m *dto.Metric) {
			if zone == "(none)" {
				return
			}
			if sc.counters[zone] == nil {
				sc.counters[zone] = map[string]float64{}
			}
			v := m.GetCounter().GetValue()
			key := b.key
			if b.label != "" {
				key += "=" + labelValue(m, b.label)
			}
			sc.counters[zone][key] += v
			if b.family == "anycloud_dns_queries_total" {
				sc.counters[zone]["queries"] += v
			}
		})
	}
	eachZone(fams["anycloud_zone_last_refresh_timestamp_seconds"], func(zone string, m *dto.Metric) {
		sc.refreshed[zone] = time.Unix(0, int64(m.GetGauge().GetValue()*1e9))
	})
	return sc, nil
}

func fetchMetrics(ctx context.Context, client *http.Client, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", url, err)
	}
	return fams, nil
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func eachZone(f *dto.MetricFamily, fn func(zone string, m *dto.Metric)) {
	if f == nil {
		return
	}
	for _, m := range f.Metric {
		if zone := labelValue(m, "zone"); zone != "" {
			fn(zone, m)
		}
	}
}
