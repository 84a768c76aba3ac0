package zonever

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// Version is one immutable version of a zone: every record, the apex SOA
// first, without the closing SOA of an AXFR.
type Version struct {
	Origin string
	// RRs holds every record, the SOA first. It is nil in a version held
	// as its serving snapshot only (see Held): read records with Each.
	RRs  []dns.RR
	held *dns.SOA // the SOA of a held version
	snap snapshotCache

	wireBytes atomic.Int64 // WireBytes, once computed
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
func (v *Version) SOA() *dns.SOA {
	if v.held != nil {
		return v.held
	}
	return v.RRs[0].(*dns.SOA)
}

// Serial returns the SOA serial.
func (v *Version) Serial() uint32 { return v.SOA().Serial }

// Len returns the number of records, SOA included.
func (v *Version) Len() int {
	if v.held != nil {
		return v.snap.z.Len()
	}
	return len(v.RRs)
}

// Held returns v as a version held by its serving snapshot alone, once the
// snapshot is built (else v itself). For a large zone the records as dns.RR
// values are most of a node's memory and of its garbage collector's work,
// while the snapshot holds the same records without a pointer. A held
// version's RRs is nil: Each reads its records back from the snapshot, and
// Apply patches the snapshot instead of copying records.
func (v *Version) Held() *Version {
	z := v.snap.built()
	if v.held != nil || z == nil {
		return v
	}
	return newHeld(v.Origin, z, v.SOA())
}

// FromSnapshot returns a version held by a snapshot built elsewhere (a
// stored zone file loaded by the engine).
func FromSnapshot(origin string, z *zone.Zone) *Version {
	return newHeld(dns.CanonicalName(origin), z, z.SOA())
}

// HeldBy returns a version held by a snapshot a transfer receiver built,
// with the SOA as transferred.
func HeldBy(origin string, z *zone.Zone, soa *dns.SOA) *Version {
	return newHeld(dns.CanonicalName(origin), z, soa)
}

func newHeld(origin string, z *zone.Zone, soa *dns.SOA) *Version {
	h := &Version{Origin: origin, held: soa}
	h.snap.once.Do(func() { h.snap.z = z })
	h.snap.ready.Store(z)
	return h
}

// IsHeld reports whether v is held by its snapshot alone (RRs is nil).
func (v *Version) IsHeld() bool { return v.held != nil }

// Each calls f with every record, the SOA first, and stops at f's first
// error. A held version's records are rebuilt one at a time.
func (v *Version) Each(f func(dns.RR) error) error {
	if v.held == nil {
		for _, rr := range v.RRs {
			if err := f(rr); err != nil {
				return err
			}
		}
		return nil
	}
	first := true
	return v.snap.z.EachRecord(func(rr dns.RR) error {
		if first { // the snapshot's SOA: give the one transferred
			first = false
			return f(v.held)
		}
		return f(rr)
	})
}

// SerialNewer reports whether a is newer than b in RFC 1982 serial number
// arithmetic (32 bits); equal serials and the undefined half-way case are not
// newer.
func SerialNewer(a, b uint32) bool {
	d := a - b
	return d != 0 && d < 1<<31
}

// Records returns every record, the SOA first: RRs, or for a held version
// the records rebuilt from the snapshot (which costs a walk of the zone).
func (v *Version) Records() []dns.RR {
	if !v.IsHeld() {
		return v.RRs
	}
	out := make([]dns.RR, 0, v.Len())
	v.Each(func(rr dns.RR) error {
		out = append(out, rr)
		return nil
	})
	return out
}

// ApexCandidates returns records among which are all the apex records of
// type rrtype (for dns.TypeRRSIG, every signature there): for a held
// version exactly those, from its snapshot without walking the zone; else
// every record, for the caller to filter as it goes.
func (v *Version) ApexCandidates(rrtype uint16) []dns.RR {
	if !v.IsHeld() {
		return v.RRs
	}
	if rrtype == dns.TypeSOA {
		return []dns.RR{v.held}
	}
	return v.snap.z.ApexRecords(rrtype)
}
