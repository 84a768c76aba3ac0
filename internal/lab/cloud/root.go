package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/lab"
	"anycloud/internal/peerconf"
)

// cloudNS is the cloud's name server name in the lab; the sample zones
// list it at their apex and the lab's root delegates them to it.
const cloudNS = "ns.anycloud.lab."

// root writes and runs the lab's root zone on Knot: it delegates every
// sample client zone to the cloud's name server, with the service
// addresses as its addresses, so onboarding's NS-in-parent check has a
// real parent to walk. A test adds or removes delegations with knotc.
func (c *Cloud) root(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	conf := "# Knot DNS serving the anycloud lab's root zone. Generated.\n" + peerconf.KnotConfig(peerconf.KnotOptions{
		Listen:  []string{v4(h).String() + "@53", v6(h).String() + "@53"},
		Zones:   []peerconf.Zone{{Origin: ".", File: filepath.Join(dir, "root.zone")}},
		Journal: true, // knotc adds and removes delegations; secondaries get IXFR
	}, dir)
	if err := os.WriteFile(filepath.Join(dir, "knot.conf"), []byte(conf), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "root.zone"), []byte(RootZoneText(plan, h)), 0o644); err != nil {
		return nil, err
	}
	return []lab.Command{{Name: "knotd", Argv: []string{"knotd", "-c", filepath.Join(dir, "knot.conf")}}}, nil
}

// RootZoneText is the lab's root zone: its own server, and every sample
// zone delegated to the cloud's name server.
func RootZoneText(plan *lab.Plan, h lab.Host) string {
	var b strings.Builder
	b.WriteString("$TTL 86400\n. SOA a.root.lab. hostmaster.root.lab. 1 1800 900 604800 86400\n. NS a.root.lab.\n")
	fmt.Fprintf(&b, "a.root.lab. A %s\na.root.lab. AAAA %s\n", v4(h), v6(h))
	for _, p := range hostsWithRole(plan, lab.RolePrimary) {
		fmt.Fprintf(&b, "%s NS %s\n", zoneOf(p), cloudNS)
	}
	for _, a := range plan.Topology.Service {
		t := "A"
		if a.Is6() {
			t = "AAAA"
		}
		fmt.Fprintf(&b, "%s %s %s\n", cloudNS, t, a)
	}
	return b.String()
}

// RootServers are the root host's addresses, for the hub's onboarding
// section.
func rootServers(plan *lab.Plan) []string {
	r, ok := plan.Host("root")
	if !ok {
		return nil
	}
	return []string{hostPort(v4(r), dnsPort), hostPort(v6(r), dnsPort)}
}
