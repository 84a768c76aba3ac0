package zone

import (
	"github.com/miekg/dns"
)

// Records returns every record of the snapshot with the apex SOA first, in
// the order an AXFR sends them (without the closing SOA). It allocates and is
// meant for transfers and diffs, never for the query path.
func (z *Zone) Records() []dns.RR {
	out := make([]dns.RR, 0, z.count)
	soa := z.SOA()
	out = append(out, soa)
	for id := range z.nodes {
		for _, rs := range z.RRSets(NodeID(id)) {
			if id == 0 && rs.Type == dns.TypeSOA {
				continue
			}
			out = z.appendRRs(out, NodeID(id), rs)
		}
	}
	return out
}

func (z *Zone) appendRRs(out []dns.RR, id NodeID, rs RRSet) []dns.RR {
	for rd := z.Rdata(rs); len(rd) >= 2; {
		l := int(u16(rd))
		if rr, err := z.unpack(id, rs, rd[2:2+l]); err == nil {
			out = append(out, rr)
		}
		rd = rd[2+l:]
	}
	return out
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
