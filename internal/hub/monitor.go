package hub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"anycloud/internal/httpserve"
	"anycloud/internal/metrics"
	"anycloud/internal/monitor"
)

// defaultMonitorListen is where the dashboard listens unless told.
const defaultMonitorListen = "127.0.0.1:8053"

// hubMonitor is the monitor running inside the hub, and the hub's own
// counters. The counters exist with or without the monitor (on a registry
// nobody serves when it is off), so the code that counts never checks.
type hubMonitor struct {
	mon      *monitor.Monitor // nil when the monitor is off
	listen   string           // the dashboard's address, fixed at start
	bound    atomic.Value     // string: the address it listens on, once started
	counters *metrics.Hub
	// unknownKeys limits the log lines about requests signed with keys
	// the hub does not have.
	unknownKeys *logLimit
}

func newHubMonitor(h *Hub, cfg *Config) *hubMonitor {
	if cfg.Monitor == nil || !cfg.Monitor.Enabled {
		return &hubMonitor{counters: metrics.NewHub(prometheus.NewRegistry()), unknownKeys: &logLimit{period: time.Minute}}
	}
	m := monitor.New(h.monitorConfig(cfg), h.log)
	listen := cfg.Monitor.Base.Listen
	if listen == "" {
		listen = defaultMonitorListen
	}
	m.Registry().MustRegister(metrics.NewZoneCollector(h.zoneInfos))
	return &hubMonitor{mon: m, listen: listen, counters: metrics.NewHub(m.Registry()), unknownKeys: &logLimit{period: time.Minute}}
}

// zoneInfos is, for the hub's /metrics, each client zone with an accepted
// version: the serial it serves nodes, when a primary last answered, and
// whether the copy expired.
func (h *Hub) zoneInfos() []metrics.ZoneInfo {
	var out []metrics.ZoneInfo
	for _, z := range h.Status().Zones {
		if z.Serial == nil {
			continue
		}
		zi := metrics.ZoneInfo{Zone: z.Zone, Serial: *z.Serial}
		if z.Refresh != nil {
			zi.LastRefresh, zi.Expired = z.Refresh.LastContact, z.Refresh.Expired
		}
		out = append(out, zi)
	}
	return out
}

// Monitor returns the monitor running in the hub, or nil when the
// configuration has none (the onboarding code feeds it steps).
func (h *Hub) Monitor() *monitor.Monitor { return h.mon.mon }

// MonitorAddr is the address the dashboard listens on ("" when none).
func (h *Hub) MonitorAddr() string {
	a, _ := h.mon.bound.Load().(string)
	return a
}

// startMonitor serves the dashboard, API and /metrics and starts polling;
// the returned server is closed when the hub stops.
func (h *Hub) startMonitor(ctx context.Context) (*http.Server, error) {
	m := h.mon.mon
	if m == nil {
		return nil, nil
	}
	ln, err := net.Listen("tcp", h.mon.listen)
	if err != nil {
		return nil, fmt.Errorf("monitor dashboard: %w", err)
	}
	h.mon.bound.Store(ln.Addr().String())
	srv := httpserve.New(m.Handler(), time.Minute)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("monitor dashboard stopped", "err", err)
		}
	}()
	go m.Run(ctx)
	h.log.Info("monitor running in the hub", "dashboard", "http://"+ln.Addr().String()+"/")
	return srv, nil
}

// reconfigureMonitor follows a reload: clients and nodes that came or went,
// new thresholds, from mc, the configuration prepare built and checked.
// The listen address and the alert sinks stay as started.
func (h *Hub) reconfigureMonitor(cfg *Config, mc *monitor.Config) {
	m := h.mon.mon
	if m == nil {
		return
	}
	if !h.monitorFollows(cfg) {
		h.log.Warn("turning the monitor off or moving its dashboard needs a hub restart; it keeps running as it was")
		return
	}
	if mc == nil {
		return
	}
	if err := m.Reconfigure(*mc); err != nil {
		// Checked in prepare: only a bug gets here.
		h.log.Error("monitor not reconfigured", "err", err)
	}
}

// monitorFollows says whether the running monitor can take cfg's monitor:
// section without a restart.
func (h *Hub) monitorFollows(cfg *Config) bool {
	return cfg.Monitor != nil && cfg.Monitor.Enabled && (cfg.Monitor.Base.Listen == "" || cfg.Monitor.Base.Listen == h.mon.listen)
}

// monitorKey names a verified SOA query signed with the monitor's query
// key ("monitor"), or "": a standalone monitor reads serials, nothing more.
func (h *Hub) monitorKey(w dns.ResponseWriter, req *dns.Msg) string {
	t := req.IsTsig()
	mc := h.config().Monitor
	if t == nil || w.TsigStatus() != nil || mc == nil || mc.QueryKey == nil || mc.QueryKey.Name != dns.CanonicalName(t.Hdr.Name) {
		return ""
	}
	return "monitor"
}
