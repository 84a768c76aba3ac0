package testpeer

import (
	"testing"
)

// KnotOptions configures a knotd test peer.
type KnotOptions struct {
	Zones []Zone
	Keys  []TSIGKey
	ACLs  []ACL
	Identity
	// Port fixes the loopback port instead of picking a free one, for
	// tests where two peers must know each other's address before either
	// starts (primary and secondary NOTIFYing each other).
	Port int
	// SemanticChecks turns Knot's zone semantic checks on; off by default
	// so that deliberately odd test zones still load.
	SemanticChecks bool

	// The options below are for a primary whose zone changes (StartPrimary,
	// the bench's soak, the lab's primaries) and for servers outside tests.

	// Journal makes Knot compare a reloaded zone file with the zone it
	// serves (zonefile-load: difference), journal the changes
	// (journal-content: changes) and increment the serial itself
	// (serial-policy: increment), so that secondaries get IXFR with true
	// differences and zone transactions need no SOA edit.
	Journal bool
	// JournalMaxUsage caps the journal (journal-max-usage, e.g. "64M");
	// empty: Knot's default.
	JournalMaxUsage string
	// ZONEMD lets Knot add a ZONEMD (SHA384) record to every zone.
	ZONEMD bool
	// Listen lists the "ADDR@PORT" addresses knotd listens on instead of
	// 127.0.0.1 at the given port (the lab's primaries in their namespaces).
	Listen []string
	// LogTarget is where knotd logs ("stderr", the default, or a file), at
	// LogLevel ("info" by default).
	LogTarget string
	LogLevel  string
	// Extra is configuration text written after the template and before
	// the zones: a user-facing snippet under test, with its own key, remote,
	// acl and zone sections.
	Extra string
}

// StartKnot starts knotd serving opts.Zones on a free loopback port and
// returns once it answers an authoritative SOA for every zone that has a
// file or a primary (catalog zones and their members are not known in advance: wait for
// them with WaitSOA). Knot never signs (dnssec-signing: off) and never
// writes zone files back (zonefile-sync: -1), so pre-signed zones are served
// exactly as committed.
func StartKnot(t testing.TB, opts KnotOptions) *Peer {
	t.Helper()
	return start(t, daemon{
		name:   "knot",
		binary: "knotd",
		config: func(dir string, port int) string { return KnotConfig(opts, dir, port) },
		args:   func(conf string) []string { return []string{"-c", conf} },
		ready:  readyZones(opts.Zones),
		port:   opts.Port,
	})
}

// readyZones lists the zones to wait for. Catalog zones are left out:
// Knot interprets them but answers REFUSED to queries for them.
func readyZones(zones []Zone) []string {
	var origins []string
	for _, z := range zones {
		if !z.Catalog {
			origins = append(origins, z.Origin)
		}
	}
	return origins
}
