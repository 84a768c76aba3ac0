// Package node owns a serving node: it learns its zones from the hub's
// catalog zone (RFC 9432), keeps each member zone as a secondary of the hub
// (refresh, retry, expire, NOTIFY, IXFR), publishes every new version
// atomically into the authoritative server, and persists versions so a
// restarted node answers from disk before it reaches the hub. When
// configured it runs the announcer (package announce) with the node's health
// checks, drains before stopping, and serves its status, drain/undrain
// control and Prometheus metrics over HTTP.
//
// It must never withdraw a zone because the hub is unreachable (only a
// catalog without the zone removes it; SOA EXPIRE without contact only turns
// answers into SERVFAIL, as NSD and Knot do), never let node health depend
// on the hub, and never stop answering before the withdrawal of a planned
// stop has been applied.
package node
