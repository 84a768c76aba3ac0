// Package firewall owns the nftables ruleset `anycloud node add` writes for
// a node host: DNS (UDP/TCP 53) to the service and unicast addresses from
// anywhere, BGP only from the configured peers, NOTIFY only from the hub
// (transfers are the node's own outgoing connections to the hub), SSH and
// metrics only from the operator prefixes, and everything else dropped.
//
// It only renders text: it must never load a ruleset into the running
// kernel itself (the operator, or a test in its own namespace, does).
package firewall
