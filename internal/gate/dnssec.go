package gate

import (
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// checkSignatures requires, in a zone with an apex DNSKEY, a currently valid
// RRSIG over the apex SOA and over the apex DNSKEY set: a zone whose signer
// stopped would otherwise go bogus at every validating resolver.
func checkSignatures(_, cand *zonever.Version, p Policy) *Rejection {
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	if !hasApex(cand, dns.TypeDNSKEY) {
		return nil
	}
	for _, covered := range []uint16{dns.TypeSOA, dns.TypeDNSKEY} {
		if r := checkCovered(cand, covered, now); r != nil {
			return r
		}
	}
	return nil
}

func checkCovered(v *zonever.Version, covered uint16, now time.Time) *Rejection {
	name := dns.TypeToString[covered]
	found := false
	for _, rr := range v.ApexCandidates(dns.TypeRRSIG) {
		sig, ok := rr.(*dns.RRSIG)
		if !ok || sig.TypeCovered != covered || !strings.EqualFold(sig.Hdr.Name, v.Origin) {
			continue
		}
		found = true
		if sig.ValidityPeriod(now) {
			return nil
		}
	}
	if !found {
		return reject("dnssec", "the zone has a DNSKEY but no RRSIG over the apex %s", name)
	}
	return reject("dnssec", "every RRSIG over the apex %s is expired or not yet valid at %s", name, now.UTC().Format(time.RFC3339))
}

func hasApex(v *zonever.Version, t uint16) bool {
	for _, rr := range v.ApexCandidates(t) {
		h := rr.Header()
		if h.Rrtype == t && strings.EqualFold(h.Name, v.Origin) {
			return true
		}
	}
	return false
}
