// Package testpeer is the one test-support package for real third-party
// DNS servers: it starts Knot DNS (knotd) and NSD, configured by the one
// builder of their configuration files (package peerconf, which the bench
// and the lab use too), as test peers on loopback (StartKnot, StartNSD,
// and StartPrimary: a Knot primary of one zone with a journal, TSIG, ACL,
// NOTIFY and zone transactions), FreePort (TCP and UDP checked), LogBuffer,
// and waiting for a server to answer a zone's SOA. Tests compare anycloud
// with the servers its users judge it against instead of with mocks: the
// conformance suite (same zones, same queries), and transfer tests where a
// peer is a primary or a secondary (TSIG, ACLs, NOTIFY, catalog zones).
//
// Each peer gets its own configuration, pid file, run directory, journal and
// timer databases under t.TempDir(), listens on a free loopback port (never
// 53), and is stopped by its PID in t.Cleanup. Starting a peer marks the
// test as an interoperability test (testenv.Interop); a test whose daemon
// binary is missing is skipped, not failed.
//
// It is for tests and the bench only (it imports testing; the lab, which
// runs inside the anycloud binary, uses peerconf directly): never imported
// by the production code paths of anycloud node, hub, monitor or client; it never
// touches the system's own daemon configuration or state, and never sends
// traffic anywhere but loopback.
package testpeer
