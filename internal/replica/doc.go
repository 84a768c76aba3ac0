// Package replica owns the replication of a directory of small files (the
// hub's administered state) between hubs through the Raft log of
// github.com/hashicorp/raft: every change is a log entry (files written or
// removed, each with the content it was computed from), applied in log
// order by every hub to its own copy; a follower forwards its changes to
// the leader over the same authenticated, encrypted connections the Raft
// RPCs use (TLS 1.3, both ends proving the cluster secret).
// For the files a hub tracks it also keeps the index of the entry that
// last wrote or removed each one (LastWrite), with the applied index and
// in snapshots: a counter every hub derives alike from the same log (the
// hub's catalog serial).
//
// It must never apply a change on top of a state other than the one it was
// computed from (a stale change is refused as a conflict and recomputed),
// never accept a connection from a peer that does not hold the cluster
// secret, and never let a peer make it read or write outside the directory
// or beyond the bounds on files, bytes and connections.
package replica
