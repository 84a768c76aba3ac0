package onboard

import (
	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// referral marks sample questions about delegated names (asked as A).
func (q question) referral() bool { return q.qtype == dns.TypeA && q.name != "" && q.isDelegation }

// sampleNames picks up to n names from v spread over the zone: half
// delegations (asked as A, so the answer is a referral with glue), half
// other owners with their first type. Deterministic, so two runs compare.
func sampleNames(v *zonever.Version, n int) []question {
	if v == nil {
		return nil
	}
	var cuts, hosts []question
	seen := map[string]bool{v.Origin: true}
	v.Each(func(rr dns.RR) error { // the hub keeps versions held: records rebuilt one at a time
		h := rr.Header()
		name := dns.CanonicalName(h.Name)
		if seen[name] || h.Rrtype == dns.TypeRRSIG || h.Rrtype == dns.TypeNSEC || h.Rrtype == dns.TypeNSEC3 {
			return nil
		}
		seen[name] = true
		if h.Rrtype == dns.TypeNS {
			cuts = append(cuts, question{name: name, qtype: dns.TypeA, isDelegation: true})
		} else {
			hosts = append(hosts, question{name: name, qtype: h.Rrtype})
		}
		return nil
	})
	return append(spread(cuts, (n+1)/2), spread(hosts, n/2)...)
}

// spread takes k items evenly from list.
func spread(list []question, k int) []question {
	if k >= len(list) {
		return list
	}
	out := make([]question, 0, k)
	for i := 0; i < k; i++ {
		out = append(out, list[i*len(list)/k])
	}
	return out
}
