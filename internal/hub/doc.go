// Package hub owns the cloud's distribution point: it is a secondary of
// every client primary (SOA timers, NOTIFY, IXFR with AXFR fallback, TSIG),
// passes every transferred version through the acceptance gate, stores
// accepted versions crash-safely with a journal, and is the TSIG-only
// primary of every node (AXFR/IXFR out, NOTIFY retried until acknowledged,
// EDNS EXPIRE) and of the catalog zone listing the client zones.
//
// It also reads the administered state (clients and nodes added at run
// time, node states and sites, in <storage>/admin: admin.go) as part of
// its configuration, replicates those files between hubs, and backs them
// up; it never changes them. Changing them is internal/admin's, and the
// HTTP control API is internal/control's: both sit above this package and
// attach to a Hub as its ControlPlane. The node-facing contract (the state
// a node asks for) is internal/adminstate.
//
// It must never put a version into service that the gate refused, never
// answer a transfer to a peer without a configured node key, and never stop
// serving the last good version because a primary is unreachable or wrong.
package hub
