package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/lab"
)

// Lab nodes check health every 150 ms and withdraw after 3 bad checks, so
// that a node whose DNS stops is withdrawn within about half a second;
// drain-wait is short because the lab's routers converge in milliseconds.
const (
	healthInterval = "150ms"
	drainWait      = "1s"
)

// node writes the node's configuration: it listens on the service and
// unicast addresses, follows every hub, answers NSID and id.server with its
// host name, and announces the service addresses to its city's router over
// IPv4 and IPv6 sessions.
func (c *Cloud) node(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	hubs := hubHosts(plan)
	if len(hubs) == 0 {
		return nil, fmt.Errorf("the topology has no hub for %s", h.Name)
	}
	key, err := keyFile(dir, nodeKeyName(h.Name))
	if err != nil {
		return nil, err
	}
	acc, _ := plan.AccessFor(h.Name)
	city, _ := plan.Topology.City(h.City)
	var listen []string
	for _, a := range plan.Topology.Service {
		listen = append(listen, fmt.Sprintf("%q", hostPort(a, dnsPort)))
	}
	listen = append(listen, fmt.Sprintf("%q", hostPort(v4(h), dnsPort)), fmt.Sprintf("%q", hostPort(v6(h), dnsPort)))
	var b strings.Builder
	fmt.Fprintf(&b, "# anycloud node %s of the lab. Generated.\nlisten: [%s]\nnsid: %s\nidentity: %s\nstorage: %s\ncatalog: %s\n",
		h.Name, strings.Join(listen, ", "), h.Name, h.Name, filepath.Join(dir, "storage"), catalogZone)
	// Every hub, each with the key it issued this node (in the lab every
	// hub knows the node by the same key file).
	b.WriteString("hubs:\n")
	for _, hub := range hubs {
		fmt.Fprintf(&b, "  - {name: %s, addresses: [%q], tsig: {name: %s, algorithm: hmac-sha256, secret-file: %s}}\n",
			hub.Name, hostPort(v4(hub), dnsPort), nodeKeyName(h.Name), key)
	}
	fmt.Fprintf(&b, "timeouts: {transfer: 2s, min-refresh: 1s}\ncontrol: %s\nmetrics: %q\n", nodeControl, hostPort(v4(h), nodeMetrics))
	// Rate limiting stays on, above the 100 SOA queries/s one city's
	// client streams in the failover tests (the default is 20/s).
	b.WriteString("rrl: {responses-per-second: 1000}\n")
	// loopback: the lab already put the service addresses on lo; the node
	// does it again (idempotent) so that the lab exercises that path too.
	fmt.Fprintf(&b, "announce:\n  local-as: %d\n  router-id: %s\n  loopback: true\n  prefixes:\n", plan.Topology.CloudAS, v4(h))
	for _, p := range plan.Topology.Announce {
		fmt.Fprintf(&b, "    - {prefix: %q}\n", p.String())
	}
	fmt.Fprintf(&b, "  service: [%s]\n  peers:\n", strings.Join(quoted(plan.Topology.Service), ", "))
	fmt.Fprintf(&b, "    - {neighbor: %q, peer-as: %d}\n    - {neighbor: %q, peer-as: %d}\n",
		acc.Router4.Addr().String(), city.AS, acc.Router6.Addr().String(), city.AS)
	fmt.Fprintf(&b, "  health: {interval: %s, rise: 2, fall: 3}\n  drain-wait: %s\n", healthInterval, drainWait)
	conf := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return []lab.Command{{Name: "node", Argv: []string{c.Exe, "node", "--config", conf}}}, nil
}

func quoted[T fmt.Stringer](list []T) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = fmt.Sprintf("%q", x.String())
	}
	return out
}
