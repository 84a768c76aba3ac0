package store

import (
	"encoding/hex"

	"github.com/miekg/dns"
)

// storedText is the line a record is stored as. miekg's presentation form
// does not always parse back (a HIP record with an empty public key, for
// one, is written as a line the zone parser refuses), and a stored file
// that does not load costs the stored copy at the next start. So only the
// types that make up nearly every zone, in the shapes whose text is known
// to parse back, are written as text; every other record in the generic
// form of RFC 3597 ("\# length hex"), which parses back to the same wire
// data for any type.
func storedText(rr dns.RR) string {
	if textParsesBack(rr) {
		return rr.String()
	}
	rdata, ok := packedRdata(rr)
	if !ok {
		return rr.String() // does not pack: then it cannot be served either
	}
	g := dns.RFC3597{Hdr: *rr.Header(), Rdata: hex.EncodeToString(rdata)}
	return g.String()
}

// packedRdata is rr's rdata in wire form. miekg's RFC3597.ToRFC3597 sizes
// its buffer with dns.Len, which undercounts some records read from the
// wire (a CAA with an empty tag) and then fails, so the buffer is sized
// here with room to spare, and once more at the largest a record can be.
func packedRdata(rr dns.RR) ([]byte, bool) {
	var name [256]byte
	nameEnd, err := dns.PackDomainName(rr.Header().Name, name[:], 0, nil, false)
	if err != nil {
		return nil, false
	}
	for _, size := range []int{2*dns.Len(rr) + 512, 1<<16 + 512} {
		buf := make([]byte, size)
		end, err := dns.PackRR(rr, buf, 0, nil, false)
		if err == nil {
			return buf[nameEnd+10 : end], true // after type, class, TTL, rdlength
		}
	}
	return nil, false
}

// textParsesBack is the known-good list. A record read from the wire with
// no rdata at all comes out of miekg with empty fields, whose text does not
// parse back: those go generic too.
func textParsesBack(rr dns.RR) bool {
	switch rr := rr.(type) {
	case *dns.A:
		return rr.A.To4() != nil
	case *dns.AAAA:
		return len(rr.AAAA) == 16
	case *dns.NS:
		return rr.Ns != ""
	case *dns.CNAME:
		return rr.Target != ""
	case *dns.DNAME:
		return rr.Target != ""
	case *dns.PTR:
		return rr.Ptr != ""
	case *dns.MX:
		return rr.Mx != ""
	case *dns.SRV:
		return rr.Target != ""
	case *dns.SOA:
		return rr.Ns != "" && rr.Mbox != ""
	case *dns.TXT:
		return len(rr.Txt) > 0
	case *dns.DS:
		return rr.Digest != ""
	case *dns.DNSKEY:
		return rr.PublicKey != ""
	case *dns.RRSIG:
		return rr.Signature != ""
	case *dns.NSEC:
		return rr.NextDomain != ""
	case *dns.NSEC3: // the bulk of a zone signed with NSEC3
		return rr.NextDomain != ""
	case *dns.ZONEMD:
		return rr.Digest != ""
	}
	return false
}
