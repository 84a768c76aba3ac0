package testpeer

import (
	"anycloud/internal/peerconf"
	"testing"
)

// StartKnot starts knotd serving opts.Zones on a free loopback port and
// returns once it answers an authoritative SOA for every zone that has a
// file or a primary (catalog zones and their members are not known in advance: wait for
// them with WaitSOA). Knot never signs (dnssec-signing: off) and never
// writes zone files back (zonefile-sync: -1), so pre-signed zones are served
// exactly as committed.
func StartKnot(t testing.TB, opts peerconf.KnotOptions) *Peer {
	t.Helper()
	return start(t, daemon{
		name:   "knot",
		binary: "knotd",
		config: func(dir string, port int) string {
			o := opts
			o.Port = port
			return peerconf.KnotConfig(o, dir)
		},
		args:  func(conf string) []string { return []string{"-c", conf} },
		ready: readyZones(opts.Zones),
		port:  opts.Port,
	})
}

// readyZones lists the zones to wait for. Catalog zones are left out:
// Knot interprets them but answers REFUSED to queries for them.
func readyZones(zones []peerconf.Zone) []string {
	var origins []string
	for _, z := range zones {
		if !z.Catalog {
			origins = append(origins, z.Origin)
		}
	}
	return origins
}
