package zonever

import (
	"errors"

	"github.com/miekg/dns"
)

// Flatten writes deltas as the record sequence of an IXFR body:
// SOA(from) deletions SOA(to) additions, for each delta in turn.
func Flatten(deltas []Delta) []dns.RR {
	var out []dns.RR
	for _, d := range deltas {
		out = append(out, d.From)
		out = append(out, d.Deleted...)
		out = append(out, d.To)
		out = append(out, d.Added...)
	}
	return out
}

// ParseDeltas is the inverse of Flatten: it splits an IXFR body into deltas.
func ParseDeltas(rrs []dns.RR) ([]Delta, error) {
	var out []Delta
	var cur *Delta
	adding := false
	for _, rr := range rrs {
		soa, isSOA := rr.(*dns.SOA)
		switch {
		case isSOA && (cur == nil || adding):
			if cur != nil {
				out = append(out, *cur)
			}
			cur, adding = &Delta{From: soa}, false
		case isSOA:
			cur.To, adding = soa, true
		case cur == nil:
			return nil, errors.New("difference sequence does not start with a SOA")
		case adding:
			cur.Added = append(cur.Added, rr)
		default:
			cur.Deleted = append(cur.Deleted, rr)
		}
	}
	if cur != nil {
		if cur.To == nil {
			return nil, errors.New("difference sequence ends inside a delta")
		}
		out = append(out, *cur)
	}
	return out, nil
}
