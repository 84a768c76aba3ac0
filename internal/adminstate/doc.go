// Package adminstate is the contract between the hub's administration and
// the nodes it administers: the name a node asks (as TXT, signed with its
// own key) to learn its administrative state, the states a hub may answer,
// and the record of where a node is that `anycloud node add` leaves at the
// hub. The hub's side (internal/hub answers, internal/admin writes) and the
// node's side (internal/node asks, internal/onboard fills the record) both
// import it, so the two can never drift apart.
//
// It holds names and plain types only: it must never do I/O, import
// another anycloud package, or hold a decision either side could want to
// make differently (how a node combines several hubs' answers is the
// node's).
package adminstate
