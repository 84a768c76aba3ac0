package onboard

import (
	"net/netip"
	"reflect"
	"testing"

	"anycloud/internal/adminstate"
)

// TestNodeSetupSite checks the record `node add` sends the hub: every
// unicast address on port 53, the metrics on the first one, and where the
// node is; nothing of the host's own configuration.
func TestNodeSetupSite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup NodeSetup
		want  adminstate.NodeSite
	}{
		{"dual-stack", NodeSetup{Name: "ams1", City: "Amsterdam", Country: "NL", Lat: 52.37, Lon: 4.9, ASN: 64500,
			Unicast: []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")},
			KeyName: "ams1-xfr.", Storage: "/var/lib/anycloud/node"},
			adminstate.NodeSite{City: "Amsterdam", Country: "NL", Lat: 52.37, Lon: 4.9, ASN: 64500,
				Unicast: []string{"192.0.2.10:53", "[2001:db8::10]:53"}, Metrics: "192.0.2.10:9153"}},
		{"ipv6-only", NodeSetup{Name: "v6", City: "Lima", Country: "PE", ASN: 64501,
			Unicast: []netip.Addr{netip.MustParseAddr("2001:db8::53")}},
			adminstate.NodeSite{City: "Lima", Country: "PE", ASN: 64501, Unicast: []string{"[2001:db8::53]:53"}, Metrics: "[2001:db8::53]:9153"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.setup.Site(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Site() = %+v, want %+v", got, tc.want)
			}
		})
	}
}
