package conformance

import (
	"fmt"
	"testing"

	"anycloud/internal/peerconf"
	"anycloud/internal/testpeer"
)

// zones are served by every server under test, from the same files.
var zones = []peerconf.Zone{
	{Origin: "sv.", File: "testdata/zones/sv.zone"},
	{Origin: "com.sv.", File: "testdata/zones/com.sv.zone"},
	{Origin: "gt.", File: "testdata/zones/gt.signed.zone"},
	{Origin: "hn.", File: "testdata/zones/hn.signed.zone"},
	// edge.zone signed three ways: see edge_queries_test.go.
	{Origin: "ne.", File: "testdata/zones/ne.signed.zone"},
	{Origin: "n3.", File: "testdata/zones/n3.signed.zone"},
	{Origin: "n3o.", File: "testdata/zones/n3o.signed.zone"},
	{Origin: "n3s.", File: "testdata/zones/n3s.signed.zone"},
	// apexwild.zone (a wildcard at the apex) signed twice.
	{Origin: "aw.", File: "testdata/zones/aw.signed.zone"},
	{Origin: "aw3.", File: "testdata/zones/aw3.signed.zone"},
}

// identity is configured identically on every server, so that CHAOS TXT
// and NSID answers are comparable.
var identity = peerconf.Identity{
	Identity: "conformance-identity",
	Version:  "conformance-version",
	NSID:     "conformance-nsid",
}

const queriesFile = "testdata/queries.txt"

func startKnot(t *testing.T) *testpeer.Peer {
	return testpeer.StartKnot(t, peerconf.KnotOptions{Zones: zones, Identity: identity})
}

func startNSD(t *testing.T) *testpeer.Peer {
	return testpeer.StartNSD(t, peerconf.NSDOptions{Zones: zones, Identity: identity, MinimalResponses: true})
}

func mustLoadQueries(t *testing.T) []querySpec {
	t.Helper()
	specs, err := loadQueries(queriesFile)
	if err != nil {
		t.Fatal(err)
	}
	return specs
}

// askAll sends one query, built once, to every address in turn.
func askAll(q querySpec, addrs ...string) []response {
	m := buildQuery(q)
	out := make([]response, len(addrs))
	raw, err := packQuery(q, m)
	if err != nil {
		// A query the harness cannot build is a defect of the query table;
		// every server "not answering" it alike must not pass as agreement.
		panic(fmt.Sprintf("%s: %v", q.Key(), err))
	}
	for i, addr := range addrs {
		out[i] = exchange(addr, q.TCP, m, raw)
	}
	return out
}
