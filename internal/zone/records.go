package zone

import (
	"github.com/miekg/dns"
)

// Records returns every record of the snapshot with the apex SOA first, in
// the order an AXFR sends them (without the closing SOA). It allocates and is
// meant for transfers and diffs, never for the query path.
func (z *Zone) Records() []dns.RR {
	out := make([]dns.RR, 0, z.count)
	z.EachRecord(func(rr dns.RR) error {
		out = append(out, rr)
		return nil
	})
	return out
}

// EachRecord calls f with every record of the snapshot, the apex SOA first,
// in the order of Records, one at a time (a zone file is written from a
// snapshot without holding every record as a dns.RR). It stops at f's
// first error and returns it.
func (z *Zone) EachRecord(f func(dns.RR) error) error {
	if err := f(z.SOA()); err != nil {
		return err
	}
	for id := range z.nodes {
		for _, rs := range z.RRSets(NodeID(id)) {
			if id == 0 && rs.Type == dns.TypeSOA {
				continue
			}
			if err := z.eachRR(NodeID(id), rs, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (z *Zone) eachRR(id NodeID, rs RRSet, f func(dns.RR) error) error {
	for rd := z.Rdata(rs); len(rd) >= 2; {
		l := int(u16(rd))
		if rr, err := z.unpack(id, rs, rd[2:2+l]); err == nil {
			if err := f(rr); err != nil {
				return err
			}
		}
		rd = rd[2+l:]
	}
	return nil
}

// unpack turns one stored rdata back into a dns.RR.
func (z *Zone) unpack(id NodeID, rs RRSet, rdata []byte) (dns.RR, error) {
	hdr := dns.RR_Header{
		Name:     presentation(z.Name(id)),
		Rrtype:   rs.Type,
		Class:    dns.ClassINET,
		Ttl:      rs.TTL,
		Rdlength: uint16(len(rdata)),
	}
	rr, _, err := dns.UnpackRRWithHeader(hdr, rdata, 0)
	return rr, err
}

// ApexRecords returns the apex records of type rrtype (for dns.TypeRRSIG,
// every signature at the apex), without walking the zone.
func (z *Zone) ApexRecords(rrtype uint16) []dns.RR {
	var out []dns.RR
	for _, rs := range z.RRSets(0) {
		if rs.Type == rrtype {
			z.eachRR(0, rs, func(rr dns.RR) error {
				out = append(out, rr)
				return nil
			})
		}
	}
	return out
}
