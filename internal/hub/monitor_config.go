package hub

import (
	"fmt"

	"anycloud/internal/monitor"
	"anycloud/internal/xfr"
	"anycloud/internal/yamlconf"
)

// MonitorFile is the hub configuration's monitor: section. With it the hub
// runs the monitor in its own process: the zones, primaries and nodes come
// from the rest of the file, so the section holds only what the hub does
// not know (where the dashboard listens, alert settings, each node's city,
// coordinates and metrics/status URLs, the probe vantages). Without it, or
// with enabled: false, run `anycloud monitor` standalone instead.
type MonitorFile struct {
	monitor.Config `yaml:",inline"`
	Enabled        *bool `yaml:"enabled"` // default true when the section is present
	// QueryTSIG is a key the hub accepts on SOA queries only, for a
	// standalone monitor (its hub: tsig:) to read the hub's serials.
	QueryTSIG *xfr.KeySpec `yaml:"query-tsig"`
}

// MonitorConfig is the validated monitor: section.
type MonitorConfig struct {
	Enabled  bool
	Base     monitor.Config // without zones and hub: the hub fills those in
	QueryKey *xfr.Key
}

func (v *validator) monitorSection(f *MonitorFile, keys map[string]string, nodes []Node) *MonitorConfig {
	if f == nil {
		return nil
	}
	out := &MonitorConfig{Enabled: f.Enabled == nil || *f.Enabled, Base: f.Config}
	if len(f.Zones) > 0 || f.Hub != nil {
		v.Add("monitor", "zones and hub come from the hub's clients and listen addresses; remove them here")
	}
	known := map[string]bool{}
	for _, n := range nodes {
		known[n.Name] = true
	}
	for i, n := range f.Nodes {
		if !known[n.Name] {
			v.Add(yamlconf.Index("monitor.nodes", i)+".name", "%q is not one of the hub's nodes", n.Name)
		}
	}
	if f.QueryTSIG != nil {
		out.QueryKey = v.key("monitor.query-tsig", *f.QueryTSIG, "monitor", keys)
	}
	// The vantages' token files, relative to the hub's configuration.
	out.Base.CheckProbeTokens(v.In("monitor"), v.baseDir)
	if out.Enabled {
		probe := out.Base
		probe.Nodes = nil // checked once merged with the hub's nodes
		probe.Check(v.In("monitor"))
	}
	return out
}

// monitorConfig is what the embedded monitor watches under cfg: every
// client zone at its primaries and at the hub (read in-process), every node
// at its transfer address unless the section gives unicast addresses.
func (h *Hub) monitorConfig(cfg *Config) monitor.Config {
	mc := cfg.Monitor.Base
	mc.Zones = nil
	for _, c := range cfg.Clients {
		for _, z := range c.Zones {
			mc.Zones = append(mc.Zones, monitor.ZoneConfig{Zone: z, Primaries: c.Primaries})
		}
	}
	mc.Hub = &monitor.Server{Name: "hub", Addresses: cfg.Listen}
	mc.HubSerial = h.servedSerial
	meta := map[string]monitor.NodeConfig{}
	for _, n := range cfg.Monitor.Base.Nodes {
		meta[n.Name] = n
	}
	mc.Nodes = nil
	sites := h.NodeSites() // nodes added with `anycloud node add`
	for _, n := range cfg.Nodes {
		nc := meta[n.Name]
		nc.Name = n.Name
		fillSite(sites[n.Name], &nc)
		if len(nc.Unicast) == 0 {
			nc.Unicast = []string{n.Address}
		}
		mc.Nodes = append(mc.Nodes, nc)
	}
	return mc
}

// servedSerial is the serial the hub serves nodes for zone.
func (h *Hub) servedSerial(zone string) (uint32, error) {
	z := h.lookup(zone)
	switch {
	case z == nil:
		return 0, fmt.Errorf("not a zone of the hub")
	case z.current() == nil:
		return 0, fmt.Errorf("no version accepted yet")
	case z.expired():
		return 0, fmt.Errorf("expired at the hub")
	}
	return z.current().Serial(), nil
}
