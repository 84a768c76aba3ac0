package cloud

import (
	"fmt"
	"net/netip"
	"path/filepath"

	"anycloud/internal/lab"
)

// Ports inside the lab's namespaces.
const (
	dnsPort       = 53
	hubControl    = "127.0.0.1:8953"
	nodeControl   = "127.0.0.1:8954"
	nodeMetrics   = 9153
	dashboardPort = 8053
	catalogZone   = "catalog.anycloud."
)

// Cloud implements lab.Cloud with the anycloud binary at Exe.
type Cloud struct {
	Exe string
}

var _ lab.Cloud = (*Cloud)(nil)

// New returns the cloud run by the anycloud executable exe.
func New(exe string) *Cloud { return &Cloud{Exe: exe} }

// HostCommands writes host h's configuration into dir and returns what to
// run there.
func (c *Cloud) HostCommands(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	switch h.Role {
	case lab.RolePrimary:
		return c.primary(plan, h, dir)
	case lab.RoleHub:
		return c.hub(plan, h, dir)
	case lab.RoleNode:
		return c.node(plan, h, dir)
	case lab.RoleClient:
		return c.probe(plan, h, dir)
	case lab.RoleRoot:
		return c.root(plan, h, dir)
	case lab.RoleMonitor:
		return c.noc(plan, h, dir)
	}
	return nil, nil
}

// NodeCommand asks node h to drain or undrain through its control endpoint.
func (c *Cloud) NodeCommand(_ *lab.Plan, _ lab.Host, dir, verb string) (lab.Command, error) {
	if verb != "drain" && verb != "undrain" {
		return lab.Command{}, fmt.Errorf("unknown node command %q", verb)
	}
	return lab.Command{Name: verb, Argv: []string{c.Exe, "node", verb, "--config", filepath.Join(dir, "node.yaml")}}, nil
}

// NodeStatusURL is the node's control endpoint, inside its namespace.
func (c *Cloud) NodeStatusURL(*lab.Plan, lab.Host) string { return "http://" + nodeControl + "/status" }

// Dashboard is the monitor's address in the noc's namespace.
func (c *Cloud) Dashboard(plan *lab.Plan) (string, string) {
	h, ok := plan.Host("noc")
	if !ok {
		return "", ""
	}
	return "noc", hostPort(v4(h), dashboardPort)
}

// v4 and v6 are a host's unicast addresses on its access link.
func v4(h lab.Host) netip.Addr { return h.Addresses[0] }
func v6(h lab.Host) netip.Addr { return h.Addresses[1] }

func hostPort(a netip.Addr, port int) string {
	return netip.AddrPortFrom(a, uint16(port)).String()
}

// hostsWithRole lists the plan's hosts of one role, in plan order.
func hostsWithRole(plan *lab.Plan, role string) []lab.Host {
	var out []lab.Host
	for _, h := range plan.Hosts {
		if h.Role == role {
			out = append(out, h)
		}
	}
	return out
}

// zoneOf is the origin a primary host serves: "primary-sv" -> "sv.".
func zoneOf(h lab.Host) string { return h.Name[len("primary-"):] + "." }
