package hub

import (
	"testing"

	"anycloud/internal/adminstate"
	"anycloud/internal/monitor"
)

// TestNodeSiteFillsTheMonitor: a node added with `node add` appears on the
// dashboard's map with its addresses, metrics and status; what the monitor
// section says about a node wins.
func TestNodeSiteFillsTheMonitor(t *testing.T) {
	site := adminstate.NodeSite{City: "Bogotá", Lat: 4.71, Lon: -74.07, Unicast: []string{"203.0.113.10:53", "[2001:db8:c5::10]:53"}, Metrics: "203.0.113.10:9153"}
	var nc monitor.NodeConfig
	fillSite(site, &nc)
	if nc.City != "Bogotá" || nc.Lat != 4.71 || len(nc.Unicast) != 2 || nc.MetricsURL != "http://203.0.113.10:9153/metrics" || nc.StatusURL != "http://203.0.113.10:9153/status" {
		t.Errorf("filled from the site: %+v", nc)
	}
	configured := monitor.NodeConfig{City: "Bogota (DC 2)", Lat: 4.6, Lon: -74.1, Unicast: []string{"192.0.2.1"}, MetricsURL: "http://192.0.2.1:9999/metrics"}
	fillSite(site, &configured)
	if configured.City != "Bogota (DC 2)" || configured.Lat != 4.6 || len(configured.Unicast) != 1 || configured.MetricsURL != "http://192.0.2.1:9999/metrics" || configured.StatusURL != "" {
		t.Errorf("the monitor section was overridden: %+v", configured)
	}
	var none monitor.NodeConfig
	fillSite(adminstate.NodeSite{}, &none)
	if none.City != "" || none.Unicast != nil || none.MetricsURL != "" {
		t.Errorf("a node without a site got %+v", none)
	}
}
