package monitor

// Reconfigure replaces the zones, hub, nodes, vantages and thresholds
// being watched (the hub calls it when a client or a node joins or
// leaves), keeping what is known about those that stay: serial history,
// announcement states, catchments, alerts. The alert sinks stay those
// given to New.
func (m *Monitor) Reconfigure(cfg Config) error {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	zones := make([]*zoneState, 0, len(cfg.Zones))
	for _, zc := range cfg.Zones {
		z := m.zoneByName(zc.Zone)
		if z == nil {
			z = newZoneState(zc.Zone, cfg)
		} else {
			z.reshape(cfg)
		}
		zones = append(zones, z)
	}
	vantages := make(map[string]*VantageStatus, len(cfg.Vantages))
	for _, v := range cfg.Vantages {
		vs := m.vantages[v.Name]
		if vs == nil {
			vs = &VantageStatus{Name: v.Name}
		}
		vs.City, vs.Lat, vs.Lon = v.City, v.Lat, v.Lon
		vantages[v.Name] = vs
	}
	m.cfg, m.zones, m.vantages = cfg, zones, vantages
	m.alerts.raiseAfter, m.alerts.clearAfter, m.alerts.hold = cfg.Alerts.RaiseAfter, cfg.Alerts.ClearAfter, cfg.Alerts.HoldEvent
	return nil
}

// reshape adds and removes the hub and nodes to match cfg.
func (z *zoneState) reshape(cfg Config) {
	switch {
	case cfg.Hub == nil:
		z.hub = nil
	case z.hub == nil || z.hub.name != hubName(cfg.Hub):
		z.hub = newServerState(hubName(cfg.Hub), "hub")
	}
	nodes := make(map[string]*serverState, len(cfg.Nodes))
	for _, n := range cfg.Nodes {
		if s := z.nodes[n.Name]; s != nil {
			nodes[n.Name] = s
		} else {
			nodes[n.Name] = newServerState(n.Name, "node")
		}
	}
	z.nodes = nodes
}
