package testpeer

import "testing"

// NSDOptions configures an nsd test peer.
type NSDOptions struct {
	Zones []Zone // NSD cannot interpret catalog zones: Zone.Catalog is ignored
	Keys  []TSIGKey
	ACLs  []ACL
	Identity
	// Port fixes the loopback port instead of picking a free one, for
	// tests where two peers must know each other's address before either
	// starts (primary and secondary NOTIFYing each other).
	Port int
	// MinimalResponses sets minimal-responses: yes, so that NSD, like Knot
	// by default, adds no NS RRset to positive answers and no additional
	// data beyond what referrals need.
	MinimalResponses bool
	// RRLRatelimit turns NSD's response rate limiting on at this many
	// responses per second per /24 (rrl-ratelimit; Debian's build has it,
	// and the peer's default is 0, off), with slip RRLSlip (NSD's default 2
	// when zero).
	RRLRatelimit int
	RRLSlip      int
	// Extra is configuration text written after the server section and
	// the peer's keys and zones: a user-facing snippet under test.
	Extra string
}

// StartNSD starts nsd in the foreground (nsd -d) serving opts.Zones on a
// free loopback port, with response rate limiting off (Debian builds NSD
// with RRL on by default, which would drop test queries), and returns once
// it answers an authoritative SOA for every zone.
func StartNSD(t testing.TB, opts NSDOptions) *Peer {
	t.Helper()
	return start(t, daemon{
		name:   "nsd",
		binary: "nsd",
		config: func(dir string, port int) string { return NSDConfig(opts, dir, port) },
		args:   func(conf string) []string { return []string{"-d", "-c", conf} },
		ready:  readyZones(opts.Zones),
		port:   opts.Port,
	})
}
