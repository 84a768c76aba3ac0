// Package node owns a serving node: it learns its zones from the hubs'
// catalog zone (RFC 9432), keeps each member zone as a secondary of the hubs
// (refresh, retry, expire, NOTIFY, IXFR; every hub asked, the highest serial
// taken, package secondary), publishes every new version atomically into the
// authoritative server, and persists versions so a restarted node answers
// from disk before it reaches a hub. When configured it runs the announcer
// (package announce) with the node's health checks, drains before stopping,
// and serves its status, drain/undrain control and Prometheus metrics over
// HTTP.
//
// It must never withdraw a zone because a hub is unreachable (only a
// catalog without the zone removes it; SOA EXPIRE without contact with any
// hub only turns answers into SERVFAIL, as NSD and Knot do), never take a
// zone back to an older serial because one hub lags (only when every hub
// serves it), never act on a NOTIFY not signed with the key of the hub it
// comes from, never let node health depend on the hubs, and never stop
// answering before the withdrawal of a planned stop has been applied.
package node
