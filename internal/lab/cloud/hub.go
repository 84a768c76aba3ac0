package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/lab"
)

// hub writes one hub's configuration (clients: none, onboarded after;
// nodes: the lab's nodes; replication: the other hubs; monitor: only the
// key a standalone monitor signs its SOA queries with, the monitor runs
// in the noc) and runs it. The first hub ("hub") also onboards the sample
// clients; the others receive them through replication.
func (c *Cloud) hub(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# anycloud hub %s of the lab. Generated.\nlisten: [%q, %q]\ncontrol: %s\nstorage: %s\ncatalog: %s\n",
		h.Name, hostPort(v4(h), dnsPort), hostPort(v6(h), dnsPort), hubControl, filepath.Join(dir, "storage"), catalogZone)
	// No clients here: `lab up` onboards them with `anycloud client add`
	// (onboardCommand), which keeps them in the hub's storage.
	b.WriteString("timeouts: {transfer: 5s, min-refresh: 2s}\n")
	// Limits far below the defaults (the lab's zones have about a hundred
	// records) so that a hostile primary is cut off within seconds.
	b.WriteString("limits: {max-transfer-records: 20000, max-transfer-time: 4s}\n")
	fmt.Fprintf(&b, "onboarding:\n  nameservers: [%s]\n  service: [%s]\n  root-servers: [%s]\n  hub-addresses: [%s]\n",
		cloudNS, strings.Join(quoted(plan.Topology.Service), ", "), strings.Join(quotedStrings(rootServers(plan)), ", "),
		strings.Join(quotedStrings(hubAddresses(plan)), ", "))
	b.WriteString("nodes:\n")
	for _, n := range hostsWithRole(plan, lab.RoleNode) {
		key, err := keyFile(dir, nodeKeyName(n.Name))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  - {name: %s, address: %q, tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}}\n",
			n.Name, hostPort(v4(n), dnsPort), nodeKeyName(n.Name), key)
	}
	repl, err := replicationSection(plan, h, dir)
	if err != nil {
		return nil, err
	}
	b.WriteString(repl)
	mkey, err := keyFile(dir, monitorKeyName)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "monitor:\n  enabled: false\n  query-tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}\n", monitorKeyName, mkey)
	// The nodes' unicast addresses, both families, for the onboarding
	// resolution trial (the monitor itself runs in the noc).
	b.WriteString("  nodes:\n")
	for _, n := range hostsWithRole(plan, lab.RoleNode) {
		fmt.Fprintf(&b, "    - {name: %s, unicast: [%q, %q]}\n", n.Name, v4(n).String(), v6(n).String())
	}
	hubConf := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(hubConf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	cmds := []lab.Command{{Name: "hub", Argv: []string{c.Exe, "hub", "--config", hubConf}}}
	if h.Name != "hub" {
		return cmds, nil
	}
	onboard, err := c.onboardCommands(plan, dir)
	if err != nil {
		return nil, err
	}
	return append(cmds, onboard...), nil
}

// probe runs a catchment probe in a city's client, reporting to the
// monitor every few seconds.
func (c *Cloud) probe(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	noc, ok := plan.Host("noc")
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
		"--target", strings.Join(targets, ","), "--report", "http://" + hostPort(v4(noc), dashboardPort),
		"--zones", strings.Join(zones, ","), "--interval", "5s", "--timeout", "1s"}, AfterServed: true}}, nil
}

func quotedStrings(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
