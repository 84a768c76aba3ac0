package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"anycloud/internal/authserver"
	"anycloud/internal/tcpslots"
)

// ZoneInfo is what a node (or the hub) knows about one zone it serves.
type ZoneInfo struct {
	Zone        string
	Serial      uint32
	LastRefresh time.Time // last successful contact with its source (the hub; the hub's: a primary); zero if never
	Expired     bool
}

// AnnounceInfo is the announcer's state as the metrics need it.
type AnnounceInfo struct {
	State    string          // announced, withdrawn or drained
	Sessions map[string]bool // peer address -> BGP session established
	Prefixes map[string]bool // prefix -> announced to at least one peer
	Checks   map[string]bool // health check name -> passed in the latest round
}

// NodeSources are the functions a node collector reads at scrape time; any
// may be nil when the node does not have that part.
type NodeSources struct {
	Stats    func() []authserver.ZoneStats
	RRL      func() authserver.RRLStats
	TCP      func() tcpslots.Stats
	Zones    func() []ZoneInfo
	Announce func() AnnounceInfo
}

// NodeCollector exports a node's state. Register it on a registry of its
// own (NewNodeRegistry) or on one shared with other collectors.
type NodeCollector struct{ src NodeSources }

// NewNodeCollector returns a collector over src.
func NewNodeCollector(src NodeSources) *NodeCollector { return &NodeCollector{src: src} }

var (
	descQueries   = desc("dns_queries_total", "Queries answered, by zone and transport.", "zone", "transport")
	descFamily    = desc("dns_queries_by_family_total", "Queries answered, by zone and IP version.", "zone", "family")
	descQtype     = desc("dns_queries_by_qtype_total", "Queries answered, by zone and query type.", "zone", "qtype")
	descResponses = desc("dns_responses_total", "Responses sent, by zone and rcode.", "zone", "rcode")
	descEDNS      = desc("dns_queries_edns_total", "Queries with an EDNS OPT record, by zone.", "zone")
	descDO        = desc("dns_queries_do_total", "Queries with the DNSSEC OK bit, by zone.", "zone")
	descSize      = desc("dns_responses_by_size_total", "Responses by size bucket (upper bound in bytes), by zone.", "zone", "max_bytes")
	descRRLLim    = desc("rrl_limited_responses_total", "Responses dropped or slipped by response rate limiting.")
	descRRLSlip   = desc("rrl_slipped_responses_total", "Rate-limited responses sent truncated (slip).")
	descTCPOpen   = desc("tcp_connections_open", "TCP connections open on the DNS listener.")
	descTCPEvict  = desc("tcp_connections_evicted_total", "Idlest TCP connections closed because every slot was taken.")
	descTCPRefuse = desc("tcp_connections_refused_total", "TCP connections refused because their /24 or /56 held its share.")
	descSerial    = desc("zone_serial", "SOA serial of the zone version served.", "zone")
	descRefresh   = desc("zone_last_refresh_timestamp_seconds", "Unix time of the zone's last successful refresh from its source (a node's: the hub; the hub's: the client's primary).", "zone")
	descExpired   = desc("zone_expired", "1 when the zone's SOA EXPIRE passed without a refresh (a node answers SERVFAIL, the hub stops serving it to nodes).", "zone")
	descAnnState  = desc("announce_state", "1 for the announcer's current state (announced, withdrawn, drained).", "state")
	descSession   = desc("bgp_session_up", "1 when the BGP session with the peer is established.", "peer")
	descPrefix    = desc("bgp_prefix_announced", "1 when the service prefix is announced to at least one peer.", "prefix")
	descCheck     = desc("health_check_ok", "1 when the health check passed in the latest round.", "check")
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("anycloud_"+name, help, labels, nil)
}

// Describe sends every descriptor the collector may use.
func (c *NodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueries, descFamily, descQtype, descResponses, descEDNS, descDO,
		descSize, descRRLLim, descRRLSlip, descTCPOpen, descTCPEvict, descTCPRefuse, descSerial, descRefresh, descExpired, descAnnState, descSession,
		descPrefix, descCheck} {
		ch <- d
	}
}

// Collect reads every source once.
func (c *NodeCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Stats != nil {
		for _, z := range c.src.Stats() {
			collectZoneStats(ch, z)
		}
	}
	if c.src.RRL != nil {
		r := c.src.RRL()
		ch <- counter(descRRLLim, r.Limited)
		ch <- counter(descRRLSlip, r.Slipped)
	}
	if c.src.TCP != nil {
		t := c.src.TCP()
		ch <- gauge(descTCPOpen, float64(t.Open))
		ch <- counter(descTCPEvict, t.Evicted)
		ch <- counter(descTCPRefuse, t.Refused)
	}
	if c.src.Zones != nil {
		for _, z := range c.src.Zones() {
			collectZoneInfo(ch, z)
		}
	}
	if c.src.Announce != nil {
		collectAnnounce(ch, c.src.Announce())
	}
}

// zoneLabel names queries for no served zone so the label is never empty.
func zoneLabel(z string) string {
	if z == "" {
		return "(none)"
	}
	return z
}

func collectZoneStats(ch chan<- prometheus.Metric, z authserver.ZoneStats) {
	zone := zoneLabel(z.Zone)
	ch <- counter(descQueries, z.UDP, zone, "udp")
	ch <- counter(descQueries, z.TCP, zone, "tcp")
	ch <- counter(descFamily, z.IPv4, zone, "ipv4")
	ch <- counter(descFamily, z.IPv6, zone, "ipv6")
	ch <- counter(descEDNS, z.EDNS, zone)
	ch <- counter(descDO, z.DO, zone)
	for t, n := range z.Qtype {
		ch <- counter(descQtype, n, zone, t)
	}
	for r, n := range z.Rcode {
		ch <- counter(descResponses, n, zone, r)
	}
	for b, n := range z.Size {
		ch <- counter(descSize, n, zone, strconv.Itoa(b))
	}
}

func collectZoneInfo(ch chan<- prometheus.Metric, z ZoneInfo) {
	ch <- gauge(descSerial, float64(z.Serial), z.Zone)
	if !z.LastRefresh.IsZero() {
		ch <- gauge(descRefresh, float64(z.LastRefresh.UnixNano())/1e9, z.Zone)
	}
	ch <- gauge(descExpired, boolValue(z.Expired), z.Zone)
}

func collectAnnounce(ch chan<- prometheus.Metric, a AnnounceInfo) {
	for _, s := range []string{"announced", "withdrawn", "drained"} {
		ch <- gauge(descAnnState, boolValue(a.State == s), s)
	}
	for p, up := range a.Sessions {
		ch <- gauge(descSession, boolValue(up), p)
	}
	for p, on := range a.Prefixes {
		ch <- gauge(descPrefix, boolValue(on), p)
	}
	for name, ok := range a.Checks {
		ch <- gauge(descCheck, boolValue(ok), name)
	}
}

func counter(d *prometheus.Desc, v uint64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
