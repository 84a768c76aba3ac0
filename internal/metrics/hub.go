package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Hub holds the counters the hub increments as events happen (transfers
// are rare, so counting them inline costs nothing that matters).
type Hub struct {
	TransferAttempts *prometheus.CounterVec // zone, kind (axfr, ixfr)
	TransferFailures *prometheus.CounterVec // zone, reason (timeout, refused, tsig, ...)
	GateRejections   *prometheus.CounterVec // zone, reason (the gate check that failed)
	// TSIGFailures counts requests signed with a configured key that did
	// not verify; the label takes only configured key names.
	TSIGFailures *prometheus.CounterVec // key
	// TSIGUnknownKey counts requests signed with a key name the hub does
	// not have. No label: the name is the sender's choice, and a label per
	// name would be a series per query of an attacker.
	TSIGUnknownKey prometheus.Counter
	// ConfigReloadSuccessful is 1 when the configuration last loaded
	// (at start, by SIGHUP, `hub reload` or an administered change) was
	// taken, 0 when it was refused and the hub runs the one before, as
	// Prometheus' own prometheus_config_last_reload_successful.
	ConfigReloadSuccessful prometheus.Gauge
	// ConfigReloadTime is when a configuration was last taken.
	ConfigReloadTime prometheus.Gauge
}

// NewHub makes the hub's counters and registers them on reg.
func NewHub(reg prometheus.Registerer) *Hub {
	h := &Hub{
		TransferAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "anycloud_transfer_attempts_total",
			Help: "Zone transfers attempted from a client's primary, by zone and kind (axfr, ixfr).",
		}, []string{"zone", "kind"}),
		TransferFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "anycloud_transfer_failures_total",
			Help: "Zone transfers from a client's primary that failed, by zone and reason.",
		}, []string{"zone", "reason"}),
		GateRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "anycloud_gate_rejections_total",
			Help: "Zone versions the hub's acceptance checks rejected, by zone and reason.",
		}, []string{"zone", "reason"}),
		TSIGFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "anycloud_hub_tsig_failures_total",
			Help: "Requests to the hub signed with one of its configured keys that failed TSIG (wrong secret, clock off), by key.",
		}, []string{"key"}),
		TSIGUnknownKey: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "anycloud_hub_tsig_unknown_key_total",
			Help: "Requests to the hub signed with a key name it does not have (no alert, no label: the name is the sender's).",
		}),
		ConfigReloadSuccessful: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "anycloud_hub_config_last_reload_successful",
			Help: "1 when the hub's last configuration reload was taken, 0 when it was refused and the configuration before it still runs.",
		}),
		ConfigReloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "anycloud_hub_config_last_reload_success_timestamp_seconds",
			Help: "When the hub last took a configuration (at start or by a reload), in seconds since the Unix epoch.",
		}),
	}
	reg.MustRegister(h.TransferAttempts, h.TransferFailures, h.GateRejections, h.TSIGFailures, h.TSIGUnknownKey,
		h.ConfigReloadSuccessful, h.ConfigReloadTime)
	return h
}

// ConfigLoaded records the outcome of a configuration load or reload at
// now: a refused one leaves the time of the last one taken.
func (h *Hub) ConfigLoaded(ok bool, now time.Time) {
	if !ok {
		h.ConfigReloadSuccessful.Set(0)
		return
	}
	h.ConfigReloadSuccessful.Set(1)
	h.ConfigReloadTime.Set(float64(now.UnixNano()) / 1e9)
}

// ZoneCollector exports the zones a server holds (serial, last refresh,
// expired), read at scrape time from its source. The hub registers one
// over its clients' zones; the node's NodeCollector exports the same
// metrics for the zones it serves.
type ZoneCollector struct{ zones func() []ZoneInfo }

// NewZoneCollector returns a collector over zones.
func NewZoneCollector(zones func() []ZoneInfo) *ZoneCollector { return &ZoneCollector{zones: zones} }

// Describe sends the zone descriptors.
func (c *ZoneCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descSerial
	ch <- descRefresh
	ch <- descExpired
}

// Collect reads the zones once.
func (c *ZoneCollector) Collect(ch chan<- prometheus.Metric) {
	for _, z := range c.zones() {
		collectZoneInfo(ch, z)
	}
}
