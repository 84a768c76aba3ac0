package peerconf

// Zone is one zone a peer serves, either from a master file (File) or as a
// secondary of Primary.
type Zone struct {
	Origin string // FQDN, e.g. "sv."
	File   string // master file; empty for a secondary zone

	// Primary is "host:port" of the primary to transfer the zone from; it
	// makes the zone a secondary. PrimaryKey names the TSIG key (from the
	// peer's Keys) for the transfer and the primary's NOTIFY, or is empty.
	Primary    string
	PrimaryKey string

	// Notify lists "host:port" secondaries the peer sends NOTIFY to when
	// the zone changes (after Peer.Reload), signed with NotifyKey if set.
	Notify    []string
	NotifyKey string

	// Catalog makes a Knot secondary zone a catalog zone (RFC 9432) that
	// Knot interprets: its members are configured as secondaries of the same
	// Primary with the same PrimaryKey.
	Catalog bool
}

// TSIGKey is a shared secret as Knot, NSD and miekg/dns all spell it.
type TSIGKey struct {
	Name      string // FQDN, e.g. "xfr-key."
	Algorithm string // "hmac-sha256", "hmac-sha512", ...
	Secret    string // base64
}

// ACL allows zone transfers and/or NOTIFY from Address (an address or a
// prefix such as "127.0.0.0/8"), with the TSIG key Key or without one when
// Key is empty. It applies to every zone of the peer.
type ACL struct {
	Address  string
	Key      string
	Transfer bool
	Notify   bool
}

// Identity is what a peer says about itself over CHAOS TXT and EDNS NSID.
type Identity struct {
	Identity string // id.server. and hostname.bind. CH TXT; empty: daemon default
	Version  string // version.server. and version.bind. CH TXT; empty: daemon default
	NSID     string // EDNS NSID payload (RFC 5001) as a plain string; empty: none
}

// KnotOptions configures one knotd: a test peer, a bench competitor, a
// lab primary or the lab's root.
type KnotOptions struct {
	Zones []Zone
	Keys  []TSIGKey
	ACLs  []ACL
	Identity
	// Port is the port knotd listens on at 127.0.0.1 when Listen is empty.
	// A test peer leaves it zero to get a free one (testpeer.StartKnot),
	// or fixes it when two peers must know each other's address before
	// either starts (primary and secondary NOTIFYing each other).
	Port int

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

// NSDOptions configures one nsd: a test peer or a bench competitor.
type NSDOptions struct {
	Zones []Zone // NSD cannot interpret catalog zones: Zone.Catalog is ignored
	Keys  []TSIGKey
	ACLs  []ACL
	Identity
	// Port is the port nsd listens on at 127.0.0.1. A test peer leaves it
	// zero to get a free one (testpeer.StartNSD), or fixes it when two
	// peers must know each other's address before either starts.
	Port int
	// LogFile is where nsd logs; empty: stderr.
	LogFile string
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
