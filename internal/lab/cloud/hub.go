package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/lab"
)

// hub writes the hub's configuration (clients: none, onboarded after; nodes:
// the lab's nodes; monitor: the dashboard and what the monitor must know
// about the nodes and cities) and runs the hub, monitor included.
func (c *Cloud) hub(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# anycloud hub of the lab. Generated.\nlisten: [%q, %q]\ncontrol: %s\nstorage: %s\ncatalog: %s\n",
		hostPort(v4(h), dnsPort), hostPort(v6(h), dnsPort), hubControl, filepath.Join(dir, "storage"), catalogZone)
	// No clients here: `lab up` onboards them with `anycloud client add`
	// (onboardCommand), which keeps them in the hub's storage.
	b.WriteString("timeouts: {transfer: 5s, min-refresh: 2s}\n")
	// Limits far below the defaults (the lab's zones have about a hundred
	// records) so that a hostile primary is cut off within seconds.
	b.WriteString("limits: {max-transfer-records: 20000, max-transfer-time: 4s}\n")
	fmt.Fprintf(&b, "onboarding:\n  nameservers: [%s]\n  service: [%s]\n  root-servers: [%s]\n",
		cloudNS, strings.Join(quoted(plan.Topology.Service), ", "), strings.Join(quotedStrings(rootServers(plan)), ", "))
	b.WriteString("nodes:\n")
	for _, n := range hostsWithRole(plan, lab.RoleNode) {
		key, err := keyFile(dir, nodeKeyName(n.Name))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  - {name: %s, address: %q, tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}}\n",
			n.Name, hostPort(v4(n), dnsPort), nodeKeyName(n.Name), key)
	}
	mon, err := monitorSection(plan, h, dir)
	if err != nil {
		return nil, err
	}
	b.WriteString(mon)
	hubConf := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(hubConf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	onboard, err := c.onboardCommands(plan, dir)
	if err != nil {
		return nil, err
	}
	return append([]lab.Command{{Name: "hub", Argv: []string{c.Exe, "hub", "--config", hubConf}}}, onboard...), nil
}

// monitorSection runs the monitor in the hub: the dashboard on the hub's
// address (the lab forwards 127.0.0.1:8053 there), each node's city,
// status and metrics, the cities as vantages. The hub starts with the
// nodes, so alerts wait a grace period instead of recording start-up.
func monitorSection(plan *lab.Plan, h lab.Host, dir string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "monitor:\n  listen: %q\n  interval: 2s\n  timeout: 1s\n  stats-interval: 15s\n  state-file: %s\n  alerts: {grace: 30s}\n",
		hostPort(v4(h), dashboardPort), filepath.Join(dir, "monitor-history.db"))
	b.WriteString("  nodes:\n")
	for _, n := range hostsWithRole(plan, lab.RoleNode) {
		city, _ := plan.Topology.City(n.City)
		base := "http://" + hostPort(v4(n), nodeMetrics)
		fmt.Fprintf(&b, "    - {name: %s, city: %q, lat: %v, lon: %v, unicast: [%q, %q], metrics-url: %q, status-url: %q}\n",
			n.Name, city.Name, city.Lat, city.Lon, hostPort(v4(n), dnsPort), hostPort(v6(n), dnsPort), base+"/metrics", base+"/status")
	}
	b.WriteString("  vantages:\n")
	for _, c := range plan.Topology.Cities {
		// Each city's probe reports with its own token (probeTokenFile).
		tok, err := probeTokenFile(dir, c.Slug)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "    - {name: %s, city: %q, lat: %v, lon: %v, token-file: %s}\n", c.Slug, c.Name, c.Lat, c.Lon, tok)
	}
	return b.String(), nil
}

// probe runs a catchment probe in a city's client, reporting to the
// monitor every few seconds.
func (c *Cloud) probe(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	hub, ok := plan.Host("hub")
	if !ok {
		return nil, nil
	}
	var targets, zones []string
	for _, a := range plan.Topology.Service {
		targets = append(targets, a.String())
	}
	for _, p := range hostsWithRole(plan, lab.RolePrimary) {
		zones = append(zones, zoneOf(p))
	}
	// --zones: each city also asks every client zone a small query mix,
	// the lab's client traffic for the dashboard's per-client charts.
	tok, err := probeTokenFile(dir, h.Name)
	if err != nil {
		return nil, err
	}
	return []lab.Command{{Name: "probe", Argv: []string{c.Exe, "probe", "--vantage", h.Name, "--token-file", tok,
		"--target", strings.Join(targets, ","), "--report", "http://" + hostPort(v4(hub), dashboardPort),
		"--zones", strings.Join(zones, ","), "--interval", "5s", "--timeout", "1s"}, AfterServed: true}}, nil
}

func quotedStrings(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
