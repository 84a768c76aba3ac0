package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
)

// The query mix the issue asks for: 70 % names at or below delegations
// (referrals, and DS answered by the parent), 20 % names that do not
// exist, 10 % apex SOA/NS/DNSKEY.
const (
	mixDelegationPercent = 70
	mixNXPercent         = 20
)

// writeQueries writes n dnsperf input lines ("name TYPE"). The generator
// is seeded with a constant so a cached file and a fresh one are equal.
func writeQueries(w io.Writer, s zoneShape, n int) error {
	rng := rand.New(rand.NewPCG(2026, 1))
	bw := bufio.NewWriterSize(w, 1<<20)
	for range n {
		name, qtype := pickQuery(rng, s)
		fmt.Fprintf(bw, "%s %s\n", name, qtype)
	}
	return bw.Flush()
}

func pickQuery(rng *rand.Rand, s zoneShape) (name, qtype string) {
	switch r := rng.IntN(100); {
	case r < mixDelegationPercent:
		return delegationQuery(rng, s)
	case r < mixDelegationPercent+mixNXPercent:
		return nxQuery(rng, s)
	default:
		return apexQuery(rng, s)
	}
}

// delegationQuery asks what a resolver would send to a TLD server: mostly
// address queries for a domain or a host in it, some NS and DS.
func delegationQuery(rng *rand.Rand, s zoneShape) (string, string) {
	label := delegationLabel(rng.IntN(s.Delegations))
	qtype := weighted(rng, []string{"A", "AAAA", "NS", "DS"}, []int{50, 30, 10, 10})
	if qtype == "DS" || rng.IntN(2) == 0 {
		return label + "." + s.Origin, qtype
	}
	return "www." + label + "." + s.Origin, qtype
}

func nxQuery(rng *rand.Rand, s zoneShape) (string, string) {
	name := nxLabel(rng.Uint64()) + "." + s.Origin
	if rng.IntN(2) == 0 {
		name = "www." + name
	}
	return name, weighted(rng, []string{"A", "AAAA"}, []int{70, 30})
}

func apexQuery(rng *rand.Rand, s zoneShape) (string, string) {
	return s.Origin, []string{"SOA", "NS", "DNSKEY"}[rng.IntN(3)]
}

// weighted picks items[i] with probability weights[i]/sum(weights).
func weighted(rng *rand.Rand, items []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return items[i]
		}
		r -= w
	}
	return items[len(items)-1]
}
