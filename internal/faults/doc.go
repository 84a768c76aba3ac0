// Package faults holds tests that break anycloud on purpose and measure what
// it does: abuse (rate limiting under spoofed floods, a hostile primary, a
// transfer asked of a node, secrets in logs) and faults (a primary, the hub
// or a node gone, transfers cut, a skewed clock, a full disk, a corrupt
// journal, a flapping uplink, a failed router). It has no code outside its
// tests; docs/reliability.md tabulates what they measure.
//
// Tests that need network namespaces or mounts skip when not root; tests
// that need Knot skip when knotd is missing. It must never touch the host
// namespace beyond loopback, and must remove every namespace, mount and
// process it creates.
package faults
