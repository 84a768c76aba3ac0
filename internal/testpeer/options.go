package testpeer

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
