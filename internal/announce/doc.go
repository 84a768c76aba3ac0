// Package announce owns the node's anycast announcement: it decides from
// local health whether the service prefixes should be announced, and makes a
// BGP speaker say so — either an embedded GoBGP speaker or a local BIRD 2
// driven through a generated include file and birdc.
//
// Health means "this node answers correctly from its local copies" (a real
// SOA query over each service address for every zone in service, at least
// one zone in service, the default route present). A zone past its SOA
// EXPIRE is out of service and answered SERVFAIL; the node withdraws only
// once every zone it holds has expired (nothing is left to serve), never
// for one expired zone among others. It must never mean "the hub is reachable":
// losing the hub must not withdraw every node at once, so no check here may
// depend on the hub.
//
// All speaker changes go through one reconcile goroutine, so announce and
// withdraw never race. The package never listens on TCP 179 unless the
// configuration asks for it, and never changes routes or addresses other than
// the configured service addresses on the loopback interface. The embedded
// speaker is a pure originator: it keeps no route a peer sends (import
// policy, bounded by a prefix limit per session) and sends peers only the
// configured service prefixes (export policy), so it never carries one
// upstream's routes to another.
package announce
