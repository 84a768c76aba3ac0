// Package conformance compares anycloud's authoritative answers with Knot
// DNS and NSD, query by query: the same zones (testdata/zones) are loaded
// into `anycloud serve`, knotd and nsd on loopback, every query of
// testdata/queries.txt is sent to all three over UDP and TCP, with and
// without EDNS and DO, and the answers are compared field by field (rcode,
// header flags, EDNS, and each section as a set of records). The rule is the
// project's spec: answer as Knot does, and where Knot and NSD differ, either
// answer is acceptable. testdata/knot_nsd_differences.txt documents where
// they differ, and a test keeps that list true.
//
// The signed edge-case zones (testdata/zones/edge.zone and apexwild.zone,
// signed with NSEC, NSEC3, NSEC3 opt-out and salted NSEC3 by sign.sh) are
// probed with a generated query list instead (edge_queries_test.go): every
// owner name and empty non-terminal times every data, DNSSEC and meta type,
// names that do not exist below each of them, and odd header bits, classes
// and EDNS fields; TestSignedEdgeCasesAnswerLikeKnot logs the counts per
// category.
//
// The package is test-only: it holds no code outside _test.go files but this
// comment. It must never be imported, never change a zone file while a test
// runs, and never send a query anywhere but the loopback servers it started.
package conformance
