package zonever

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Version is one immutable version of a zone: every record, the apex SOA
// first, without the closing SOA of an AXFR.
type Version struct {
	Origin string
	RRs    []dns.RR
	snap   snapshotCache
}

// New checks that rrs starts with the apex SOA of origin and drops any later
// SOA (an AXFR's closing one), returning the version.
func New(origin string, rrs []dns.RR) (*Version, error) {
	origin = dns.CanonicalName(origin)
	if len(rrs) == 0 {
		return nil, errors.New("empty zone")
	}
	soa, ok := rrs[0].(*dns.SOA)
	if !ok || !strings.EqualFold(soa.Hdr.Name, origin) {
		return nil, fmt.Errorf("first record is not the SOA of %s", origin)
	}
	out := make([]dns.RR, 0, len(rrs))
	out = append(out, soa)
	for _, rr := range rrs[1:] {
		if rr.Header().Rrtype == dns.TypeSOA {
			continue
		}
		out = append(out, rr)
	}
	return &Version{Origin: origin, RRs: out}, nil
}

// SOA returns the apex SOA record.
func (v *Version) SOA() *dns.SOA { return v.RRs[0].(*dns.SOA) }

// Serial returns the SOA serial.
func (v *Version) Serial() uint32 { return v.SOA().Serial }

// Len returns the number of records, SOA included.
func (v *Version) Len() int { return len(v.RRs) }

// SerialNewer reports whether a is newer than b in RFC 1982 serial number
// arithmetic (32 bits); equal serials and the undefined half-way case are not
// newer.
func SerialNewer(a, b uint32) bool {
	d := a - b
	return d != 0 && d < 1<<31
}
