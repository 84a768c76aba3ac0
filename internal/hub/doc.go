// Package hub owns the cloud's distribution point: it is a secondary of
// every client primary (SOA timers, NOTIFY, IXFR with AXFR fallback, TSIG),
// passes every transferred version through the acceptance gate, stores
// accepted versions crash-safely with a journal, and is the TSIG-only
// primary of every node (AXFR/IXFR out, NOTIFY retried until acknowledged,
// EDNS EXPIRE) and of the catalog zone listing the client zones.
//
// It must never put a version into service that the gate refused, never
// answer a transfer to a peer without a configured node key, and never stop
// serving the last good version because a primary is unreachable or wrong.
package hub
