package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/announce"
	"anycloud/internal/lab"
)

// Lab nodes check health every 150 ms and withdraw after 3 bad checks, so
// that a node whose DNS stops is withdrawn within about half a second. A
// drain keeps the graceful-shutdown route until no query has come for
// 300 ms (at most 3 s), then keeps answering until the same quiet (at most
// drain-wait); the lab's routers converge in milliseconds and its clients
// query every 10 ms.
const (
	healthInterval = "150ms"
	drainWait      = "3s"
	gracefulWait   = "3s"
	drainQuiet     = "300ms"
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
	fmt.Fprintf(&b, "  service: [%s]\n", strings.Join(quoted(plan.Topology.Service), ", "))
	var cmds []lab.Command
	if plan.Topology.BIRDNode(h.City) {
		bird, err := nodeBIRD(plan, h, dir, city.AS)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, bird)
		fmt.Fprintf(&b, "  mode: bird\n  bird: {include-file: %s, socket: %s, bfd: {interval: 100ms, multiplier: 3}}\n",
			filepath.Join(dir, birdInclude), filepath.Join(dir, birdSocket))
	} else {
		fmt.Fprintf(&b, "  peers:\n    - {neighbor: %q, peer-as: %d}\n    - {neighbor: %q, peer-as: %d}\n",
			acc.Router4.Addr().String(), city.AS, acc.Router6.Addr().String(), city.AS)
	}
	fmt.Fprintf(&b, "  health: {interval: %s, rise: 2, fall: 3}\n  drain-wait: %s\n  graceful-wait: %s\n  drain-quiet: %s\n",
		healthInterval, drainWait, gracefulWait, drainQuiet)
	conf := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return append(cmds, lab.Command{Name: "node", Argv: []string{c.Exe, "node", "--config", conf}}), nil
}

// Files of a node's own BIRD, in its directory.
const (
	birdInclude = "bird-anycloud.conf"
	birdSocket  = "bird.ctl"
)

// nodeBirdConf is the BIRD of a node in mode bird: the include anycloud
// rewrites (routes, export filter, BFD protocol and the anycloud_bgp
// template that turns BFD on) and one session per family to the city
// router, as an operator would write it (docs/anycast.md).
const nodeBirdConf = `# BIRD of %[1]s (announce mode bird). Generated.
log "%[2]s/bird.log" { info, remote, warning, error, auth, fatal, bug };
router id %[3]s;
protocol device { scan time 10; }
include "%[2]s/` + birdInclude + `";
template bgp up from anycloud_bgp {
	local as %[4]d;
	hold time 3; keepalive time 1; connect retry time 1;
	# BIRD's default waits 60 s (doubling to 300 s) after a session
	# error, BFD down included, before it dials again.
	error wait time 1, 5;
}
protocol bgp up4 from up {
	neighbor %[5]s as %[7]d;
	ipv4 { import none; export filter anycloud_export; };
}
protocol bgp up6 from up {
	neighbor %[6]s as %[7]d;
	ipv6 { import none; export filter anycloud_export; };
}
`

// nodeBIRD writes the configuration of node h's own BIRD and a withdrawn
// include, and returns the command that runs it. The command first copies
// the withdrawn include over the one the node rewrites, so that BIRD
// (re)started after `lab fail NODE kill` (which kills both) does not
// announce what the dead node last said before the new one is healthy;
// exec keeps the PID the lab records.
func nodeBIRD(plan *lab.Plan, h lab.Host, dir string, routerAS uint32) (lab.Command, error) {
	acc, _ := plan.AccessFor(h.Name)
	bfd := &announce.BFDConfig{Interval: announce.DefaultBFDInterval, Multiplier: announce.DefaultBFDMultiplier}
	include := announce.BIRDInclude("anycloud", plan.Topology.CloudAS, nil) + announce.BIRDBFD("anycloud", bfd)
	withdrawn := filepath.Join(dir, "bird-anycloud-withdrawn.conf")
	if err := os.WriteFile(withdrawn, []byte(include), 0o644); err != nil {
		return lab.Command{}, err
	}
	conf := fmt.Sprintf(nodeBirdConf, h.Name, dir, v4(h), plan.Topology.CloudAS,
		acc.Router4.Addr(), acc.Router6.Addr(), routerAS)
	path := filepath.Join(dir, "bird.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return lab.Command{}, err
	}
	script := fmt.Sprintf("cp -f '%s' '%s' && exec bird -f -c '%s' -s '%s' -P '%s'", withdrawn, filepath.Join(dir, birdInclude),
		path, filepath.Join(dir, birdSocket), filepath.Join(dir, "bird.pid"))
	return lab.Command{Name: "bird", Argv: []string{"sh", "-c", script}}, nil
}

func quoted[T fmt.Stringer](list []T) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = fmt.Sprintf("%q", x.String())
	}
	return out
}
