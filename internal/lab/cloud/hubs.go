package cloud

import (
	"fmt"
	"strings"

	"anycloud/internal/lab"
)

// replicationPort is where the lab's hubs reach each other (Raft).
const replicationPort = 7400

// monitorKeyName is the key every hub accepts on SOA queries only
// (monitor.query-tsig), which the noc's monitor signs with.
const monitorKeyName = "monitor-anycloud."

// hubHosts are the lab's hubs: "hub", then "hub2", "hub3", ...
func hubHosts(plan *lab.Plan) []lab.Host { return hostsWithRole(plan, lab.RoleHub) }

// hubAddresses are every hub's DNS addresses, IPv4 then IPv6 of each: the
// `client add` snippets allow and notify them all.
func hubAddresses(plan *lab.Plan) []string {
	var out []string
	for _, h := range hubHosts(plan) {
		out = append(out, hostPort(v4(h), dnsPort), hostPort(v6(h), dnsPort))
	}
	return out
}

// replicationSection makes every hub a member of one Raft cluster with the
// lab-wide cluster secret; "" when the lab has a single hub.
func replicationSection(plan *lab.Plan, h lab.Host, dir string) (string, error) {
	hubs := hubHosts(plan)
	if len(hubs) < 2 {
		return "", nil
	}
	secret, err := keyFile(dir, "cluster")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "replication:\n  name: %s\n  listen: %q\n  secret-file: %s\n  peers:\n", h.Name, hostPort(v4(h), replicationPort), secret)
	for _, p := range hubs {
		if p.Name != h.Name {
			fmt.Fprintf(&b, "    - {name: %s, address: %q}\n", p.Name, hostPort(v4(p), replicationPort))
		}
	}
	return b.String(), nil
}
