package monitor

import (
	"sort"
	"time"

	"anycloud/internal/metrics"
)

// Snapshot returns the whole state as the JSON API shows it.
func (m *Monitor) Snapshot() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	st := Status{Generated: now, IntervalSeconds: m.cfg.Interval.Seconds(), StaleAfterSecs: m.cfg.StaleAfter.Seconds(),
		Zones: []ZoneStatus{}, Nodes: []NodeStatus{}, Vantages: []VantageStatus{}, Alerts: m.alerts.status()}
	stale := map[string][]string{}
	reachable := map[string]bool{}
	for _, z := range m.zones {
		zs := m.zoneStatus(z, now)
		for _, n := range zs.Nodes {
			if n.Sync == "stale" {
				stale[n.Name] = append(stale[n.Name], z.zone)
			}
			reachable[n.Name] = reachable[n.Name] || n.Reachable
		}
		st.Zones = append(st.Zones, zs)
	}
	for _, n := range m.cfg.Nodes {
		a := m.announce[n.Name]
		st.Nodes = append(st.Nodes, NodeStatus{Name: n.Name, City: n.City, Lat: n.Lat, Lon: n.Lon, Unicast: n.Unicast,
			State: nodeState(a.state, len(stale[n.Name]) > 0), Announce: a.state, Reason: a.reason,
			StaleZones: stale[n.Name], Reachable: reachable[n.Name]})
	}
	for _, v := range m.cfg.Vantages {
		st.Vantages = append(st.Vantages, *m.vantages[v.Name])
	}
	return st
}

func (m *Monitor) zoneStatus(z *zoneState, now time.Time) ZoneStatus {
	zs := ZoneStatus{Zone: z.zone, ExpireSeconds: z.expire, Primary: m.serverStatus(z, z.primary, now), InSync: true,
		Nodes: []ServerStatus{}, Onboarding: m.onboarding[z.zone]}
	if z.hub != nil {
		h := m.serverStatus(z, z.hub, now)
		zs.Hub = &h
	}
	for _, n := range m.cfg.Nodes {
		s := m.serverStatus(z, z.nodes[n.Name], now)
		zs.InSync = zs.InSync && s.Sync == "in-sync"
		zs.Nodes = append(zs.Nodes, s)
	}
	return zs
}

func (m *Monitor) serverStatus(z *zoneState, s *serverState, now time.Time) ServerStatus {
	ss := ServerStatus{Name: s.name, Role: s.role, Reachable: s.reachable, NSID: s.nsid, Error: s.lastErr,
		Checked: s.checked, Probes: s.probes, Served: z.servedHistory(s), Sync: m.syncState(z, s, now)}
	if s.seen {
		serial := s.serial
		ss.Serial = &serial
		ss.RTTms = float64(s.rtt) / float64(time.Millisecond)
	}
	if at, ok := m.refreshed[s.name][z.zone]; ok && s.role == "node" {
		ss.LastRefresh = &at
	}
	if s.role != "primary" {
		ss.LagSerials, ss.LagSeconds = z.lag(s, now)
	} else {
		ss.Sync = map[bool]string{true: "in-sync", false: "unreachable"}[s.reachable]
	}
	return ss
}

// lagSamples feeds the sync metrics.
func (m *Monitor) lagSamples() []metrics.LagSample {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []metrics.LagSample
	for _, z := range m.zones {
		servers := []*serverState{z.primary}
		if z.hub != nil {
			servers = append(servers, z.hub)
		}
		names := make([]string, 0, len(z.nodes))
		for name := range z.nodes {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			servers = append(servers, z.nodes[name])
		}
		for _, s := range servers {
			serials, seconds := z.lag(s, now)
			out = append(out, metrics.LagSample{Zone: z.zone, Server: s.name, Role: s.role, Serial: s.serial,
				Reachable: s.reachable, LagSerials: serials, LagSeconds: seconds,
				Stale: serials > 0 && seconds >= m.cfg.StaleAfter.Seconds()})
		}
	}
	return out
}

func (m *Monitor) activeAlerts() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.alerts.activeByKind()
}
