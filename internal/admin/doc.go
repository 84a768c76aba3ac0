// Package admin owns the hub's administered state and every change to it:
// clients added, re-keyed, removed (kept for a grace period, then purged)
// and restored, primaries changed, nodes added, set enabled, disabled or
// drained, and removed; the cloud's OpenPGP key; and the onboarding of
// client zones (the checks and each zone's recorded steps). Every change
// is one write of the files in <storage>/admin (layout: internal/hub,
// admin.go), all or nothing, replicated through the hubs' Raft log when
// they replicate, after which the hub reloads.
//
// It sits above internal/hub: it reads the hub's configuration and asks
// the hub to reload, and the hub only reads the files and tells it what it
// sees (hub.ControlPlane). It must never write an administered file other
// than through its write (no change may bypass the replication or the
// all-or-nothing reload), never keep a change the hub's configuration
// refuses, and never delete a key file outside the administered keys
// directory. It serves no network itself: internal/control is its API.
package admin
