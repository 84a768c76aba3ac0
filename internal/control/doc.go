// Package control owns the hub's HTTP control API, its server and its
// client: the loopback endpoint the `anycloud hub`, `client` and `node`
// commands talk to (status, retransfer, reload, backup, replication
// status, and the onboarding and lifecycle routes of internal/admin), the
// bearer token it requires (kept in the hub's storage directory), and
// Attach, which puts the administration and this API on a hub before it
// runs.
//
// It translates between HTTP and the hub's and the administration's
// operations and holds no state of its own: it must never change the
// administered state other than through internal/admin, never answer a
// request without the token or from another site's web page, never read
// more of a request body than its bound, and never let the client send
// the token to a port another local user holds.
package control
