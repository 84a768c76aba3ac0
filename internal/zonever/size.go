package zonever

import "github.com/miekg/dns"

// WireBytes is the size of v's records in uncompressed wire form, as
// zone.Zone.WireBytes counts it: from the snapshot when v has one (a walk of
// its sets), else from the records. It is computed once per version.
func (v *Version) WireBytes() int64 {
	if n := v.wireBytes.Load(); n > 0 {
		return n
	}
	var n int64
	if z := v.snap.built(); z != nil {
		n = z.WireBytes()
	} else {
		for _, rr := range v.RRs {
			n += int64(dns.Len(rr))
		}
	}
	v.wireBytes.Store(n)
	return n
}

// DeltaWireBytes is how many bytes, as WireBytes counts them, deltas add
// (negative: remove), so the size of a version that came by IXFR follows
// from its predecessor's without a walk of the zone.
func DeltaWireBytes(deltas []Delta) int64 {
	var n int64
	for _, d := range deltas {
		for _, rr := range d.Added {
			n += int64(dns.Len(rr))
		}
		for _, rr := range d.Deleted {
			n -= int64(dns.Len(rr))
		}
	}
	return n
}
