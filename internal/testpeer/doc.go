// Package testpeer starts real third-party DNS servers — Knot DNS (knotd)
// and NSD — as test peers on loopback, so that tests compare anycloud with
// the servers its users judge it against instead of with mocks. Tests of
// several packages use it: the conformance suite (same zones, same queries),
// and transfer tests where a peer is a primary or a secondary (TSIG, ACLs,
// NOTIFY, catalog zones).
//
// Each peer gets its own configuration, pid file, run directory, journal and
// timer databases under t.TempDir(), listens on a free loopback port (never
// 53), runs in the foreground and is stopped by its PID in t.Cleanup. A test
// whose daemon binary is missing is skipped, not failed.
//
// It must never be imported by non-test production code paths, never touch
// the system's own daemon configuration or state, and never send traffic
// anywhere but loopback.
package testpeer
