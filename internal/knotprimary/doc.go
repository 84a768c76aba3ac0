// Package knotprimary is test support: it runs a real knotd as the primary
// of one zone, with a TSIG key, an ACL for transfers, NOTIFY to a given
// address, and a journal (zonefile-load: difference), so a test can rewrite
// the zone file, reload, and see Knot answer IXFR with true differences.
//
// It must never be imported by non-test code, never listen beyond
// 127.0.0.1, and never stop a process it did not start.
package knotprimary
