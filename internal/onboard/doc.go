// Package onboard owns the checks a client ccTLD passes to join the cloud:
// a fresh TSIG key written encrypted to the client's OpenPGP key, and
// signed by the cloud's own OpenPGP key (CloudKey, which also opens keys
// clients encrypt to the cloud, bounded), with ready-to-paste primary
// configurations for one zone or several under one key, the transfer trial (AXFR and IXFR
// from the client's primary, TSIG verdict in plain words, the hub's gate
// applied to what came), the resolution trial (every node and the anycast
// address against the primary, the checks IANA and Zonemaster make), the
// synchronisation check, and the NS checks in the zone and in the parent.
// Every check returns a Report with a verdict and the evidence for it. For
// an organisation joining as a node host it renders the node's
// configuration and firewall ruleset.
//
// It only reads: it must never change a zone, the hub's state or a node,
// and it must never log or return a TSIG secret except inside the
// encrypted bundle it produces.
package onboard
