// Package authserver owns the authoritative query path: it answers DNS
// queries over UDP and TCP from a set of immutable zone snapshots, the way
// NSD and Knot DNS do (RFC 1034 4.3.2, 2308, 4035, 4592, 5155, 6672, 6891,
// 7766, 8482). Zones are published into it by whoever owns them (the serve
// command, the node's secondary logic) through atomic swaps.
//
// It must never allocate per query on the UDP hot path, never block a
// listener on another listener, and never serve zone transfers: transfers
// belong to the hub.
package authserver
