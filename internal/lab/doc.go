// Package lab owns the network plumbing of `anycloud lab`: a topology of
// Latin American and Caribbean cities, each its own AS with a real BIRD 2
// router in its own network namespace, client, node, hub, primary and noc
// namespaces attached to those routers, and links whose delays follow
// geography, carried by a small userspace delay relay because the kernel
// here has no netem. It also breaks nodes on purpose (`lab fail`: nftables
// rules inside a node's namespace, SIGKILL, or the node's own drain) and
// heals them, forwards one host loopback port to the dashboard, and runs
// the webhook receiver the monitors post alerts to (`lab webhook`, on
// loopback inside the noc's namespace).
//
// It uses only documentation addresses (192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24, 2001:db8::/32) and only inside its own namespaces: it must
// never add an address, a route or a firewall rule to the host namespace
// (its only host-side process is the dashboard forwarder, which listens on
// loopback and connects to one lab address from inside the lab), never start
// a process it does not record by PID in its state file, and `Down` must
// leave no namespace, process or file behind. It does not implement DNS:
// the primaries, hub, nodes and monitor come from the Cloud the caller
// supplies (package lab/cloud for `anycloud lab`).
package lab
