package monitor

import (
	"sort"
	"time"
)

// TrafficRow is one zone's queries at one node in one period.
type TrafficRow struct {
	Start   time.Time         `json:"start"`
	Node    string            `json:"node"`
	Queries uint64            `json:"queries"`
	By      map[string]uint64 `json:"by,omitempty"` // breakdowns, see Counts
}

// rows lists zone's history by period ("hour" or "day", UTC), oldest first.
func (t *traffic) rows(zone, period string) ([]TrafficRow, error) {
	hours, err := t.store.hours(zone, 0, 1<<62)
	if err != nil {
		return nil, err
	}
	type slot struct {
		start int64
		node  string
	}
	sum := map[slot]Counts{}
	for h, hc := range hours {
		start := h
		if period == "day" {
			start = h - h%86400
		}
		for node, c := range hc {
			cur := sum[slot{start, node}]
			cur.add(c)
			sum[slot{start, node}] = cur
		}
	}
	out := make([]TrafficRow, 0, len(sum))
	for s, c := range sum {
		out = append(out, TrafficRow{Start: time.Unix(s.start, 0).UTC(), Node: s.node, Queries: c.Queries, By: c.By})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Node < out[j].Node
	})
	return out, nil
}

// ZoneTraffic is one zone in GET /api/v1/traffic.
type ZoneTraffic struct {
	Zone    string             `json:"zone"`
	RateQPS map[string]float64 `json:"rate_qps"` // node -> queries/s over the last scrape interval
	Last24h []uint64           `json:"last_24h"` // queries per hour at all nodes, oldest first, the last is the current hour
	// Last24hByNode splits Last24h by node.
	Last24hByNode map[string][]uint64 `json:"last_24h_by_node"`
	// By sums the breakdowns over the 24 hours (see Counts).
	By map[string]uint64 `json:"by"`
	// LastHourByNode is the last hour by minute and node (60 numbers,
	// oldest first, the last is the current minute), since the monitor
	// started: it is kept in memory only.
	LastHourByNode map[string][]uint64 `json:"last_hour_by_node"`
}

func (t *traffic) summary(zones []string, now time.Time) ([]ZoneTraffic, error) {
	cur := now.Truncate(time.Hour).Unix()
	out := make([]ZoneTraffic, 0, len(zones))
	for _, z := range zones {
		hours, err := t.store.hours(z, cur-23*3600, cur)
		if err != nil {
			return nil, err
		}
		zt := ZoneTraffic{Zone: z, RateQPS: t.rateOf(z), Last24h: make([]uint64, 24), Last24hByNode: map[string][]uint64{},
			By: map[string]uint64{}, LastHourByNode: t.lastHour(z, now)}
		for h, hc := range hours {
			i := 23 - (cur-h)/3600
			for node, c := range hc {
				if zt.Last24hByNode[node] == nil {
					zt.Last24hByNode[node] = make([]uint64, 24)
				}
				zt.Last24hByNode[node][i] += c.Queries
				zt.Last24h[i] += c.Queries
				for k, v := range c.By {
					zt.By[k] += v
				}
			}
		}
		out = append(out, zt)
	}
	return out, nil
}

func (t *traffic) rateOf(zone string) map[string]float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]float64{}
	for node, r := range t.rates[zone] {
		out[node] = r
	}
	return out
}

// lastHour is zone's last 60 minutes by node, oldest first.
func (t *traffic) lastHour(zone string, now time.Time) map[string][]uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := now.Truncate(time.Minute).Unix()
	out := map[string][]uint64{}
	for node, minutes := range t.minutes[zone] {
		series := make([]uint64, 60)
		for start, q := range minutes {
			if i := 59 - (cur-start)/60; i >= 0 && i < 60 {
				series[i] += q
			}
		}
		out[node] = series
	}
	return out
}
