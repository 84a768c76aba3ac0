// Package secondary owns the timer logic of one secondary zone (RFC 1034
// section 4.3.5, RFC 1996): check the SOA at refresh, retry after a
// failure, check at once on NOTIFY, try the servers in turn, transfer when
// the serial moved, and declare the zone expired when no server could be
// reached for SOA EXPIRE seconds (or the EDNS EXPIRE value, RFC 7314).
// Both the hub (toward client primaries) and the node (toward the hub) use it.
//
// It must never judge or store a version itself: it hands every transfer to
// its Accept callback, and it never gives up a zone because servers are
// unreachable (expiry is reported, the owner decides what to do).
package secondary
