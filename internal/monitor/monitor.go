package monitor

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"anycloud/internal/metrics"
)

// Monitor polls, keeps the state and serves it. Build it with New, start
// it with Run, mount Handler where the dashboard should be.
type Monitor struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	mu       sync.Mutex // guards everything below
	zones    []*zoneState
	announce map[string]nodeAnnounce // node -> state it reports
	// refreshed is, per node and zone, when the node last refreshed the
	// zone from the hub, as its /metrics says.
	refreshed map[string]map[string]time.Time
	vantages  map[string]*VantageStatus
	// onboarding holds each client's onboarding steps, from the hub.
	onboarding map[string][]Step
	alerts     *alerter
	traffic    *traffic
	dispatch   *dispatcher
	registry   *prometheus.Registry
	started    time.Time // when Run began, for alerts.grace
}

// nodeAnnounce is what a node says about its announcement.
type nodeAnnounce struct {
	state, reason string
	at            time.Time
}

// New makes a monitor; cfg gets defaults for zero values.
func New(cfg Config, log *slog.Logger) *Monitor {
	cfg.setDefaults()
	m := &Monitor{cfg: cfg, log: log, now: time.Now, announce: map[string]nodeAnnounce{}, refreshed: map[string]map[string]time.Time{},
		vantages: map[string]*VantageStatus{}, alerts: newAlerter(cfg.Alerts)}
	for _, zc := range cfg.Zones {
		m.zones = append(m.zones, newZoneState(zc.Zone, cfg))
	}
	for _, v := range cfg.Vantages {
		m.vantages[v.Name] = &VantageStatus{Name: v.Name, City: v.City, Lat: v.Lat, Lon: v.Lon}
	}
	var hook Sink
	if cfg.Alerts.Webhook != nil {
		hook = newWebhookSink(*cfg.Alerts.Webhook)
	}
	m.dispatch = newDispatcher(log, hook)
	m.traffic = newTraffic(cfg.StateFile, log)
	m.registry = metrics.NewRegistry()
	m.registry.MustRegister(metrics.NewSyncCollector(m.lagSamples, m.activeAlerts))
	return m
}

func newZoneState(zone string, cfg Config) *zoneState {
	z := &zoneState{zone: zone, primary: newServerState("primary", "primary"), nodes: map[string]*serverState{}}
	if cfg.Hub != nil {
		z.hub = newServerState(hubName(cfg.Hub), "hub")
	}
	for _, n := range cfg.Nodes {
		z.nodes[n.Name] = newServerState(n.Name, "node")
	}
	return z
}

func hubName(h *Server) string {
	if h.Name != "" {
		return h.Name
	}
	return "hub"
}

// Registry is the monitor's Prometheus registry; the hub adds its own
// collectors to it so one /metrics serves both.
func (m *Monitor) Registry() *prometheus.Registry { return m.registry }

// Run polls every interval until ctx is done.
func (m *Monitor) Run(ctx context.Context) error {
	m.mu.Lock()
	m.started = m.now()
	m.mu.Unlock()
	go m.dispatch.run(ctx)
	traffic := make(chan struct{})
	go func() {
		defer close(traffic)
		m.runTraffic(ctx)
	}()
	defer func() {
		<-traffic
		m.Close()
	}()
	t := time.NewTicker(m.config().Interval)
	defer t.Stop()
	for {
		m.Poll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Close releases the traffic history (its state file is locked while
// open); Run calls it when it returns. The API answers traffic requests
// with an error after that.
func (m *Monitor) Close() error { return m.traffic.close() }

// Poll runs one round now: SOA queries everywhere, node states, alerts.
func (m *Monitor) Poll(ctx context.Context) {
	cfg := m.config()
	ts := targets(cfg)
	results := m.querySOAs(ctx, ts, cfg.Timeout)
	states := m.fetchNodeStates(ctx, cfg)
	now := m.now()
	m.mu.Lock()
	m.applySOAs(ts, results, now)
	for name, st := range states {
		m.announce[name] = st
	}
	var changed []Alert
	if !now.Before(m.started.Add(m.cfg.Alerts.Grace)) {
		changed = m.alerts.round(m.conditions(now), now)
	}
	m.mu.Unlock()
	m.dispatch.enqueue(changed)
}

// config returns the current configuration (Reconfigure may replace it).
func (m *Monitor) config() Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg
}

// SetNodeState records a node's announcement state from a source other
// than its status URL (the hub knows when it drained a node).
func (m *Monitor) SetNodeState(node, state, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.announce[node] = nodeAnnounce{state: state, reason: reason, at: m.now()}
}

// Report raises a one-off alert from outside: the hub rejected a zone
// (kind hub_rejected), a TSIG failure (tsig_failure). It resolves by
// itself after alerts.hold-event without another report. Reports of an
// alert already firing only count in it (count, last_seen); at most
// maxEventSubjects subjects of one kind fire at once, the others count in
// one overflow alert of that kind. Callers still report only what is a
// real problem: the subject should come from configuration (a zone, a
// configured key), not from the request of a stranger.
func (m *Monitor) Report(kind, subject, severity, message string) {
	m.mu.Lock()
	changed := m.alerts.event(condition{kind: kind, subject: subject, severity: severity, message: message}, m.now())
	m.mu.Unlock()
	m.dispatch.enqueue(changed)
}
