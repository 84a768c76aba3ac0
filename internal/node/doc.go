// Package node owns a serving node's secondary side: it learns its zones
// from the hub's catalog zone (RFC 9432), keeps each member zone as a
// secondary of the hub (refresh, retry, expire, NOTIFY, IXFR), publishes
// every new version atomically into the authoritative server, and persists
// versions so a restarted node answers from disk before it reaches the hub.
//
// It must never withdraw a zone because the hub is unreachable (only a
// catalog without the zone removes it; SOA EXPIRE without contact only turns
// answers into SERVFAIL, as NSD and Knot do), and never let node health
// depend on the hub.
package node
