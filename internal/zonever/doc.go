// Package zonever owns the transfer-side view of a zone: one version as the
// list of records a transfer carries (SOA first), the difference between two
// versions, and a bounded journal of differences from which IXFR answers are
// built (RFC 1995). The hub, the node and the store share it so that a
// difference computed once is served, stored and applied the same way.
//
// Once its serving snapshot is built, a version can be held by the snapshot
// alone (Held): its records are then read back from the snapshot one at a
// time and a delta is applied by patching the snapshot, so a large zone is
// not kept twice, once as millions of dns.RR values.
//
// It must never perform I/O and never modify a Version after it was built:
// versions are shared between goroutines without locks.
package zonever
