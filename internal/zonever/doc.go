// Package zonever owns the transfer-side view of a zone: one version as the
// list of records a transfer carries (SOA first), the difference between two
// versions, and a bounded journal of differences from which IXFR answers are
// built (RFC 1995). The hub, the node and the store share it so that a
// difference computed once is served, stored and applied the same way.
//
// It must never perform I/O and never modify a Version after it was built:
// versions are shared between goroutines without locks.
package zonever
