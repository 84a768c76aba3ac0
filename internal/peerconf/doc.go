// Package peerconf writes the configuration files of Knot DNS (knotd) and
// NSD when anycloud runs them beside itself: as peers in interoperability
// and conformance tests (through testpeer), as the bench's competitors, and
// as the lab's client primaries and root. It is the one place that knows
// their configuration syntax, so that a change of Knot or NSD version is
// fixed once.
//
// Every file it renders keeps all of the daemon's state (pid file, control
// socket, journal, timer and KASP databases, zone list) under the directory
// it is given, never signs, never writes zone files back, and listens only
// where it is told.
//
// It must never start a process, never import testing (the lab runs inside
// the anycloud binary), and never write outside the directory it is given:
// it only returns text.
package peerconf
