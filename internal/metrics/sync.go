package metrics

import "github.com/prometheus/client_golang/prometheus"

// LagSample is one zone at one server as the monitor last saw it.
type LagSample struct {
	Zone       string
	Server     string // node name, "hub" or "primary"
	Role       string // node, hub or primary
	Serial     uint32
	Reachable  bool
	LagSerials int64   // how many serials behind the primary (RFC 1982 distance)
	LagSeconds float64 // how long it has been behind; 0 when in sync
	Stale      bool
}

// SyncCollector exports the monitor's view of synchronisation.
type SyncCollector struct {
	samples func() []LagSample
	alerts  func() map[string]int // alert kind -> active count
}

// NewSyncCollector reads samples and active alert counts at scrape time.
func NewSyncCollector(samples func() []LagSample, alerts func() map[string]int) *SyncCollector {
	return &SyncCollector{samples: samples, alerts: alerts}
}

var (
	descSyncSerial = desc("sync_serial", "SOA serial last seen, by zone and server.", "zone", "server", "role")
	descSyncUp     = desc("sync_reachable", "1 when the server answered the last SOA query for the zone.", "zone", "server", "role")
	descLagSerials = desc("sync_lag_serials", "Serials behind the client's primary, by zone and server.", "zone", "server", "role")
	descLagSeconds = desc("sync_lag_seconds", "Seconds behind the client's primary (0 when in sync), by zone and server.", "zone", "server", "role")
	descStale      = desc("sync_stale", "1 when the server has been behind longer than the stale threshold.", "zone", "server", "role")
	descAlerts     = desc("alerts_active", "Alerts currently firing, by kind.", "kind")
)

// Describe sends every descriptor.
func (c *SyncCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSyncSerial, descSyncUp, descLagSerials, descLagSeconds, descStale, descAlerts} {
		ch <- d
	}
}

// Collect reads the samples once.
func (c *SyncCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.samples() {
		l := []string{s.Zone, s.Server, s.Role}
		ch <- gauge(descSyncUp, boolValue(s.Reachable), l...)
		if !s.Reachable && s.Serial == 0 {
			continue
		}
		ch <- gauge(descSyncSerial, float64(s.Serial), l...)
		if s.Role != "primary" {
			ch <- gauge(descLagSerials, float64(s.LagSerials), l...)
			ch <- gauge(descLagSeconds, s.LagSeconds, l...)
			ch <- gauge(descStale, boolValue(s.Stale), l...)
		}
	}
	if c.alerts != nil {
		for kind, n := range c.alerts() {
			ch <- gauge(descAlerts, float64(n), kind)
		}
	}
}
