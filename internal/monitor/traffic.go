package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// keepHours bounds the traffic history: 35 days of hourly counts.
const keepHours = 35 * 24

// traffic is the per-client query history, built from the deltas of each
// node's anycloud_dns_queries_total between scrapes and kept in hourly
// buckets, in memory and (when configured) in a JSON file.
type traffic struct {
	mu    sync.Mutex
	path  string
	log   *slog.Logger
	data  trafficData
	last  map[string]map[string]float64 // node -> zone -> counter at last scrape
	lastT map[string]time.Time
	rates map[string]map[string]float64 // zone -> node -> queries/s over the last interval
}

// trafficData is what the state file holds.
type trafficData struct {
	Hours map[string]map[string]map[int64]uint64 `json:"hours"` // zone -> node -> hour start (unix) -> queries
}

func newTraffic(path string, log *slog.Logger) *traffic {
	t := &traffic{path: path, log: log, data: trafficData{Hours: map[string]map[string]map[int64]uint64{}},
		last: map[string]map[string]float64{}, lastT: map[string]time.Time{}, rates: map[string]map[string]float64{}}
	if path != "" {
		if err := t.load(); err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Error("traffic history not loaded, starting empty", "file", path, "err", err)
		}
	}
	return t
}

func (t *traffic) load() error {
	b, err := os.ReadFile(t.path)
	if err != nil {
		return err
	}
	var d trafficData
	if err := json.Unmarshal(b, &d); err != nil {
		return fmt.Errorf("decoding: %w", err)
	}
	if d.Hours != nil {
		t.data = d
	}
	return nil
}

// save writes the history atomically (temporary file, then rename).
func (t *traffic) save() error {
	if t.path == "" {
		return nil
	}
	t.mu.Lock()
	b, err := json.Marshal(t.data)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(t.path), ".traffic-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), t.path)
}

// add folds one scrape of node (zone -> counter) taken at now.
func (t *traffic) add(node string, counters map[string]float64, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, prevT := t.last[node], t.lastT[node]
	t.last[node], t.lastT[node] = counters, now
	if prev == nil {
		return // the first scrape is only a baseline
	}
	hour := now.Truncate(time.Hour).Unix()
	for zone, v := range counters {
		d := v - prev[zone]
		if d < 0 {
			d = v // the node restarted and its counters began again
		}
		t.bucket(zone, node)[hour] += uint64(d)
		if t.rates[zone] == nil {
			t.rates[zone] = map[string]float64{}
		}
		if el := now.Sub(prevT).Seconds(); el > 0 {
			t.rates[zone][node] = d / el
		}
	}
	t.prune(hour - keepHours*3600)
}

func (t *traffic) bucket(zone, node string) map[int64]uint64 {
	if t.data.Hours[zone] == nil {
		t.data.Hours[zone] = map[string]map[int64]uint64{}
	}
	if t.data.Hours[zone][node] == nil {
		t.data.Hours[zone][node] = map[int64]uint64{}
	}
	return t.data.Hours[zone][node]
}

func (t *traffic) prune(before int64) {
	for _, nodes := range t.data.Hours {
		for _, hours := range nodes {
			for h := range hours {
				if h < before {
					delete(hours, h)
				}
			}
		}
	}
}

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

// ScrapeTraffic reads every node's /metrics once: query counters for the
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
		m.traffic.add(n.Name, sc.queries, m.now())
		m.mu.Lock()
		m.refreshed[n.Name] = sc.refreshed
		m.mu.Unlock()
	}
	if err := m.traffic.save(); err != nil {
		m.log.Error("traffic history not saved", "file", cfg.StateFile, "err", err)
	}
}

// nodeScrape is what the monitor takes from a node's /metrics.
type nodeScrape struct {
	queries   map[string]float64   // zone -> anycloud_dns_queries_total summed over transports
	refreshed map[string]time.Time // zone -> anycloud_zone_last_refresh_timestamp_seconds
}

func scrapeNode(ctx context.Context, client *http.Client, url string) (nodeScrape, error) {
	sc := nodeScrape{queries: map[string]float64{}, refreshed: map[string]time.Time{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return sc, err
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := client.Do(req)
	if err != nil {
		return sc, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return sc, fmt.Errorf("status %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return sc, fmt.Errorf("parsing %s: %w", url, err)
	}
	eachZone(fams["anycloud_dns_queries_total"], func(zone string, m *dto.Metric) {
		if zone != "(none)" {
			sc.queries[zone] += m.GetCounter().GetValue()
		}
	})
	eachZone(fams["anycloud_zone_last_refresh_timestamp_seconds"], func(zone string, m *dto.Metric) {
		sc.refreshed[zone] = time.Unix(0, int64(m.GetGauge().GetValue()*1e9))
	})
	return sc, nil
}

func eachZone(f *dto.MetricFamily, fn func(zone string, m *dto.Metric)) {
	if f == nil {
		return
	}
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if l.GetName() == "zone" {
				fn(l.GetValue(), m)
			}
		}
	}
}

// TrafficRow is one zone's queries at one node in one period.
type TrafficRow struct {
	Start   time.Time `json:"start"`
	Node    string    `json:"node"`
	Queries uint64    `json:"queries"`
}

// rows lists zone's history by period ("hour" or "day", UTC), oldest first.
func (t *traffic) rows(zone, period string) []TrafficRow {
	t.mu.Lock()
	defer t.mu.Unlock()
	sum := map[string]map[int64]uint64{}
	for node, hours := range t.data.Hours[zone] {
		sum[node] = map[int64]uint64{}
		for h, n := range hours {
			start := h
			if period == "day" {
				start = h - h%86400
			}
			sum[node][start] += n
		}
	}
	out := []TrafficRow{}
	for node, periods := range sum {
		for start, n := range periods {
			out = append(out, TrafficRow{Start: time.Unix(start, 0).UTC(), Node: node, Queries: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Node < out[j].Node
	})
	return out
}

// ZoneTraffic is one zone in GET /api/v1/traffic.
type ZoneTraffic struct {
	Zone    string             `json:"zone"`
	RateQPS map[string]float64 `json:"rate_qps"` // node -> queries/s over the last scrape interval
	Last24h []uint64           `json:"last_24h"` // queries per hour at all nodes, oldest first, the last is the current hour
}

func (t *traffic) summary(zones []string, now time.Time) []ZoneTraffic {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := now.Truncate(time.Hour).Unix()
	out := make([]ZoneTraffic, 0, len(zones))
	for _, z := range zones {
		zt := ZoneTraffic{Zone: z, RateQPS: map[string]float64{}, Last24h: make([]uint64, 24)}
		for node, r := range t.rates[z] {
			zt.RateQPS[node] = r
		}
		for _, hours := range t.data.Hours[z] {
			for i := range 24 {
				zt.Last24h[i] += hours[cur-int64(23-i)*3600]
			}
		}
		out = append(out, zt)
	}
	return out
}
