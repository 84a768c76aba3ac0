// Package lab owns the network plumbing of `anycloud lab`: a topology of
// Latin American and Caribbean cities, each its own AS with a real BIRD 2
// router in its own network namespace, client, node, hub and primary
// namespaces attached to those routers, and links whose delays follow
// geography, carried by a small userspace delay relay because the kernel
// here has no netem.
//
// It uses only documentation addresses (192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24, 2001:db8::/32) and only inside its own namespaces: it must
// never add an address or a route to the host namespace, never start a
// process it does not record by PID in its state file, and `Down` must leave
// no namespace, process or file behind. It does not implement DNS: nodes,
// the hub and primaries are started through commands the caller supplies.
package lab
