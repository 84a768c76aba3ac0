package onboard

import (
	"sort"

	"github.com/miekg/dns"
)

func sortedFacts(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// wireSize is the size of rrs in wire format without compression: what a
// transfer carries, give or take name compression.
func wireSize(rrs []dns.RR) int {
	buf := make([]byte, 65535)
	total := 0
	for _, rr := range rrs {
		if off, err := dns.PackRR(rr, buf, 0, nil, false); err == nil {
			total += off
		}
	}
	return total
}
