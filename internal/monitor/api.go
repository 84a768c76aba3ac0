package monitor

import "time"

// The types below are the JSON API (docs/api.md); `anycloud status` and
// the dashboard read them. Add fields freely; never rename or remove one.

// Status is GET /api/v1/status: everything the dashboard shows but traffic.
type Status struct {
	Generated       time.Time       `json:"generated"`
	IntervalSeconds float64         `json:"interval_seconds"`
	StaleAfterSecs  float64         `json:"stale_after_seconds"`
	Zones           []ZoneStatus    `json:"zones"`
	Nodes           []NodeStatus    `json:"nodes"`
	Vantages        []VantageStatus `json:"vantages"`
	Alerts          AlertsStatus    `json:"alerts"`
}

// ZoneStatus is one client zone everywhere.
type ZoneStatus struct {
	Zone          string         `json:"zone"`
	ExpireSeconds uint32         `json:"expire_seconds,omitempty"`
	Primary       ServerStatus   `json:"primary"`
	Hub           *ServerStatus  `json:"hub,omitempty"`
	Nodes         []ServerStatus `json:"nodes"`
	InSync        bool           `json:"in_sync"`              // every node serves the primary's serial
	Onboarding    []Step         `json:"onboarding,omitempty"` // the client's steps, when the hub provides them
}

// ServerStatus is one server's view of one zone.
type ServerStatus struct {
	Name       string    `json:"name"`
	Role       string    `json:"role"` // primary, hub or node
	Serial     *uint32   `json:"serial"`
	Reachable  bool      `json:"reachable"`
	LagSerials int64     `json:"lag_serials"`
	LagSeconds float64   `json:"lag_seconds"`
	Sync       string    `json:"sync"` // in-sync, behind, stale, unreachable, unknown
	NSID       string    `json:"nsid,omitempty"`
	RTTms      float64   `json:"rtt_ms,omitempty"`
	Error      string    `json:"error,omitempty"`
	Checked    time.Time `json:"checked"`
	// LastRefresh is when the node last refreshed the zone from the hub,
	// from its /metrics (absent when unknown).
	LastRefresh *time.Time    `json:"last_refresh,omitempty"`
	Probes      []ProbeResult `json:"probes,omitempty"`
	Served      []Served      `json:"served,omitempty"`
}

// ProbeResult is one query to one address over one transport.
type ProbeResult struct {
	Address   string  `json:"address"`
	Transport string  `json:"transport"` // udp or tcp
	Serial    uint32  `json:"serial,omitempty"`
	NSID      string  `json:"nsid,omitempty"`
	RTTms     float64 `json:"rtt_ms,omitempty"`
	Error     string  `json:"error,omitempty"`
	expire    uint32  // SOA EXPIRE, kept for the zone's expiry warning
}

// Served records when a server first answered with a serial.
type Served struct {
	Serial       uint32    `json:"serial"`
	At           time.Time `json:"at"`
	DelaySeconds *float64  `json:"delay_seconds,omitempty"` // after the primary first served it
}

// NodeStatus is one node: where it is and what state it is in.
type NodeStatus struct {
	Name       string   `json:"name"`
	City       string   `json:"city"`
	Lat        float64  `json:"lat"`
	Lon        float64  `json:"lon"`
	Unicast    []string `json:"unicast"`
	State      string   `json:"state"`    // announcing, withdrawn, drained, stale, unknown
	Announce   string   `json:"announce"` // as the node reports it: announced, withdrawn, drained or ""
	Reason     string   `json:"reason,omitempty"`
	StaleZones []string `json:"stale_zones,omitempty"`
	Reachable  bool     `json:"reachable"`
}

// VantageStatus is a probe location and who answers it.
type VantageStatus struct {
	Name     string        `json:"name"`
	City     string        `json:"city"`
	Lat      float64       `json:"lat"`
	Lon      float64       `json:"lon"`
	Node     string        `json:"node,omitempty"` // answering node (NSID) of the first result
	Previous string        `json:"previous,omitempty"`
	Changed  time.Time     `json:"changed,omitzero"`
	Seen     time.Time     `json:"seen,omitzero"`
	Results  []ProbeResult `json:"results,omitempty"`
}

// AlertsStatus lists alerts firing now and recent changes, newest first.
type AlertsStatus struct {
	Active  []Alert `json:"active"`
	History []Alert `json:"history"`
}

// Alert is one alert, or one change of it in the history.
type Alert struct {
	ID       string     `json:"id"`   // kind/subject
	Kind     string     `json:"kind"` // node_stale, zone_near_expire, node_withdrawn, ...
	Subject  string     `json:"subject"`
	Severity string     `json:"severity"` // critical or warning
	State    string     `json:"state"`    // firing or resolved
	Message  string     `json:"message"`
	Since    time.Time  `json:"since"`
	Resolved *time.Time `json:"resolved,omitempty"`
	// Count is how many times the condition was seen while this alert
	// fired: polling rounds, or reports of a one-off event (a key failing
	// TSIG a thousand times is one alert with count 1000).
	Count    int       `json:"count,omitempty"`
	LastSeen time.Time `json:"last_seen,omitzero"` // when it was last seen
}

// ProbeReport is POST /api/v1/probes: what `anycloud probe` saw from a vantage.
type ProbeReport struct {
	Vantage string        `json:"vantage"`
	Results []ProbeResult `json:"results"`
}
