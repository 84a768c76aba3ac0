package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/lab"
)

// WebhookAddr is where the noc's webhook receiver listens, on loopback in
// the noc's namespace; it appends every alert the monitors post to
// WebhookLog in the noc's directory.
const (
	WebhookAddr = "127.0.0.1:9099"
	WebhookLog  = "webhook.jsonl"
)

// noc runs the monitor apart from the hubs, so that a dead hub is noticed
// and alerted on: the main monitor ("monitor": dashboard on the noc's
// address, which the lab forwards 127.0.0.1:8053 to, the first hub, every
// node, the cities as vantages) and, because a monitor watches one hub,
// one small monitor per further hub ("monitor-hub2", ...: the zones and
// that hub). All post their alerts to the webhook receiver beside them.
// They start once every city is served; alerts.grace keeps the first 30 s
// out of the alerts.
func (c *Cloud) noc(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	cmds := []lab.Command{{Name: "webhook", Argv: []string{c.Exe, "lab", "webhook", "--listen", WebhookAddr,
		"--out", filepath.Join(dir, WebhookLog)}}}
	for i, hub := range hubHosts(plan) {
		name, listen := "monitor", hostPort(v4(h), dashboardPort)
		if i > 0 {
			name, listen = "monitor-"+hub.Name, fmt.Sprintf("127.0.0.1:%d", dashboardPort+i)
		}
		conf, err := monitorConfig(plan, hub, dir, name, listen, i == 0)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			return nil, err
		}
		cmds = append(cmds, lab.Command{Name: name, Argv: []string{c.Exe, "monitor", "--config", path}, AfterServed: true})
	}
	return cmds, nil
}

// monitorConfig is one standalone monitor: every client zone with its
// primary, one hub (asked with the monitor's query key), and, for the
// main one, the nodes and the vantages.
func monitorConfig(plan *lab.Plan, hub lab.Host, dir, name, listen string, main bool) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# anycloud %s of the lab, in the noc. Generated.\nlisten: %q\ninterval: 2s\ntimeout: 1s\nstats-interval: 15s\n", name, listen)
	if main {
		fmt.Fprintf(&b, "state-file: %s\n", filepath.Join(dir, "monitor-history.db"))
	}
	b.WriteString("zones:\n")
	for _, p := range hostsWithRole(plan, lab.RolePrimary) {
		fmt.Fprintf(&b, "  - {zone: %s, primaries: [%q]}\n", zoneOf(p), hostPort(v4(p), dnsPort))
	}
	mkey, err := keyFile(dir, monitorKeyName)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "hub: {name: %s, addresses: [%q, %q], tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}}\n",
		hub.Name, hostPort(v4(hub), dnsPort), hostPort(v6(hub), dnsPort), monitorKeyName, mkey)
	if main {
		b.WriteString("nodes:\n")
		for _, n := range hostsWithRole(plan, lab.RoleNode) {
			city, _ := plan.Topology.City(n.City)
			base := "http://" + hostPort(v4(n), nodeMetrics)
			fmt.Fprintf(&b, "  - {name: %s, city: %q, lat: %v, lon: %v, unicast: [%q, %q], metrics-url: %q, status-url: %q}\n",
				n.Name, city.Name, city.Lat, city.Lon, hostPort(v4(n), dnsPort), hostPort(v6(n), dnsPort), base+"/metrics", base+"/status")
		}
		b.WriteString("vantages:\n")
		for _, c := range plan.Topology.Cities {
			// Each city's probe reports with its own token (probeTokenFile).
			tok, err := probeTokenFile(dir, c.Slug)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "  - {name: %s, city: %q, lat: %v, lon: %v, token-file: %s}\n", c.Slug, c.Name, c.Lat, c.Lon, tok)
		}
	}
	fmt.Fprintf(&b, "alerts:\n  grace: 30s\n  webhook: {url: \"http://%s/\", retries: 3, backoff: 1s, timeout: 2s}\n", WebhookAddr)
	return b.String(), nil
}
