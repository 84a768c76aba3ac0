package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/lab"
)

// hub writes the hub's configuration (clients: the lab's primaries; nodes:
// the lab's nodes) and the monitor's, and runs both in the hub's host.
func (c *Cloud) hub(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# anycloud hub of the lab. Generated.\nlisten: [%q, %q]\ncontrol: %s\nstorage: %s\ncatalog: %s\n",
		hostPort(v4(h), dnsPort), hostPort(v6(h), dnsPort), hubControl, filepath.Join(dir, "storage"), catalogZone)
	b.WriteString("timeouts: {transfer: 5s, min-refresh: 2s}\nclients:\n")
	for _, p := range hostsWithRole(plan, lab.RolePrimary) {
		zone := zoneOf(p)
		key, err := keyFile(dir, clientKeyName(zone))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  - {name: %s, zones: [%s], primaries: [%q], tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}}\n",
			strings.TrimSuffix(zone, "."), zone, hostPort(v4(p), dnsPort), clientKeyName(zone), key)
	}
	b.WriteString("nodes:\n")
	for _, n := range hostsWithRole(plan, lab.RoleNode) {
		key, err := keyFile(dir, nodeKeyName(n.Name))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  - {name: %s, address: %q, tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}}\n",
			n.Name, hostPort(v4(n), dnsPort), nodeKeyName(n.Name), key)
	}
	hubConf := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(hubConf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	monConf := filepath.Join(dir, "monitor.yaml")
	if err := os.WriteFile(monConf, []byte(monitorConfig(plan, dir)), 0o644); err != nil {
		return nil, err
	}
	return []lab.Command{
		{Name: "hub", Argv: []string{c.Exe, "hub", "--config", hubConf}},
		{Name: "monitor", Argv: []string{c.Exe, "monitor", "--config", monConf, "--listen", hostPort(v4(h), dashboardPort)}, AfterServed: true},
	}, nil
}

// monitorConfig watches every zone at its primary and every node, reads
// each node's status and metrics, and takes the cities' probes. The hub is
// left out: it answers only its nodes' TSIG keys, and the monitor's queries
// carry none, so it would always look unreachable.
func monitorConfig(plan *lab.Plan, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# anycloud monitor of the lab. Generated.\ninterval: 2s\ntimeout: 1s\nstats-interval: 15s\nstate-file: %s\n",
		filepath.Join(dir, "monitor-state.json"))
	b.WriteString("zones:\n")
	for _, p := range hostsWithRole(plan, lab.RolePrimary) {
		fmt.Fprintf(&b, "  - {zone: %s, primaries: [%q]}\n", zoneOf(p), hostPort(v4(p), dnsPort))
	}
	b.WriteString("nodes:\n")
	for _, n := range hostsWithRole(plan, lab.RoleNode) {
		city, _ := plan.Topology.City(n.City)
		base := "http://" + hostPort(v4(n), nodeMetrics)
		fmt.Fprintf(&b, "  - {name: %s, city: %q, lat: %v, lon: %v, unicast: [%q], metrics-url: %q, status-url: %q}\n",
			n.Name, city.Name, city.Lat, city.Lon, hostPort(v4(n), dnsPort), base+"/metrics", base+"/status")
	}
	b.WriteString("vantages:\n")
	for _, c := range plan.Topology.Cities {
		fmt.Fprintf(&b, "  - {name: %s, city: %q, lat: %v, lon: %v}\n", c.Slug, c.Name, c.Lat, c.Lon)
	}
	return b.String()
}

// probe runs a catchment probe in a city's client, reporting to the
// monitor every few seconds.
func (c *Cloud) probe(plan *lab.Plan, h lab.Host) ([]lab.Command, error) {
	hub, ok := plan.Host("hub")
	if !ok {
		return nil, nil
	}
	var targets []string
	for _, a := range plan.Topology.Service {
		targets = append(targets, a.String())
	}
	return []lab.Command{{Name: "probe", Argv: []string{c.Exe, "probe", "--vantage", h.Name,
		"--target", strings.Join(targets, ","), "--report", "http://" + hostPort(v4(hub), dashboardPort),
		"--interval", "5s", "--timeout", "1s"}, AfterServed: true}}, nil
}
