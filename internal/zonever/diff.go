package zonever

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Delta is the difference between two consecutive versions, in IXFR terms:
// the records removed from From and added to reach To. Neither list holds a
// SOA.
type Delta struct {
	From, To *dns.SOA
	Deleted  []dns.RR
	Added    []dns.RR
}

// identity names a record by owner, class, type and RDATA, ignoring TTL, as
// IXFR deletions match (RFC 1995 section 4).
func identity(rr dns.RR) string {
	h := rr.Header()
	rdata := strings.TrimPrefix(rr.String(), h.String())
	return fmt.Sprintf("%s %d %d %s", strings.ToLower(h.Name), h.Class, h.Rrtype, rdata)
}

// exact names a record including its TTL, so a TTL change is a difference.
func exact(rr dns.RR) string {
	return fmt.Sprintf("%s\x00%d", identity(rr), rr.Header().Ttl)
}

// Diff computes the delta that turns old into new.
func Diff(old, new *Version) Delta {
	d := Delta{From: old.SOA(), To: new.SOA()}
	oldRRs, newRRs := old.Records(), new.Records()
	inNew := make(map[string]struct{}, len(newRRs))
	for _, rr := range newRRs[1:] {
		inNew[exact(rr)] = struct{}{}
	}
	inOld := make(map[string]struct{}, len(oldRRs))
	for _, rr := range oldRRs[1:] {
		k := exact(rr)
		inOld[k] = struct{}{}
		if _, ok := inNew[k]; !ok {
			d.Deleted = append(d.Deleted, rr)
		}
	}
	for _, rr := range newRRs[1:] {
		if _, ok := inOld[exact(rr)]; !ok {
			d.Added = append(d.Added, rr)
		}
	}
	return d
}

// Apply returns the version obtained by applying deltas in order to base. A
// delta whose From serial does not match, or that deletes a record that is
// not there, is an error: the caller falls back to a full transfer. Only
// the records at owner names the deltas touch are indexed, so a small change
// to a large zone costs a scan of owner names, not of every record's text.
// A held base (see Held) gives a held version: its snapshot is patched.
func Apply(base *Version, deltas []Delta) (*Version, error) {
	if base.IsHeld() {
		return applyHeld(base, deltas)
	}
	touched := touchedOwners(deltas)
	var lengths [256]bool // a cheap first filter: most names are not touched
	for name := range touched {
		lengths[min(len(name), 255)] = true
	}
	index := map[string]int{}
	rrs := make([]dns.RR, len(base.RRs), len(base.RRs)+16)
	copy(rrs, base.RRs)
	for i, rr := range rrs[1:] {
		name := rr.Header().Name
		if lengths[min(len(name), 255)] && touched[strings.ToLower(name)] {
			index[identity(rr)] = i + 1
		}
	}
	for _, d := range deltas {
		soa := rrs[0].(*dns.SOA)
		if d.From.Serial != soa.Serial {
			return nil, fmt.Errorf("delta from serial %d does not apply to serial %d", d.From.Serial, soa.Serial)
		}
		for _, rr := range d.Deleted {
			k := identity(rr)
			i, ok := index[k]
			if !ok {
				return nil, fmt.Errorf("delta %d->%d deletes a missing record: %s", d.From.Serial, d.To.Serial, rr)
			}
			rrs[i] = nil
			delete(index, k)
		}
		for _, rr := range d.Added {
			k := identity(rr)
			if i, ok := index[k]; ok {
				rrs[i] = rr // same record again, possibly a new TTL
				continue
			}
			index[k] = len(rrs)
			rrs = append(rrs, rr)
		}
		rrs[0] = d.To
	}
	// rrs already starts with the SOA and holds no other: no need for New's
	// checks and copy.
	return &Version{Origin: base.Origin, RRs: compact(rrs)}, nil
}

func touchedOwners(deltas []Delta) map[string]bool {
	owners := map[string]bool{}
	for _, d := range deltas {
		for _, list := range [][]dns.RR{d.Deleted, d.Added} {
			for _, rr := range list {
				owners[strings.ToLower(rr.Header().Name)] = true
			}
		}
	}
	return owners
}

// compact drops the holes left by deletions.
func compact(rrs []dns.RR) []dns.RR {
	out := rrs[:0]
	for _, rr := range rrs {
		if rr != nil {
			out = append(out, rr)
		}
	}
	return out
}

// applyHeld patches a held version's snapshot with deltas. The patch checks
// what Apply checks (each deleted record must be there) and what a build
// checks, for the names the deltas touch.
func applyHeld(base *Version, deltas []Delta) (*Version, error) {
	z, soa := base.snap.built(), base.SOA()
	for _, d := range deltas {
		if d.From == nil || d.To == nil || d.From.Serial != soa.Serial {
			return nil, fmt.Errorf("delta does not apply to serial %d", soa.Serial)
		}
		var err error
		if z, err = patchOne(z, d); err != nil {
			return nil, fmt.Errorf("delta %d->%d: %w", d.From.Serial, d.To.Serial, err)
		}
		soa = d.To
	}
	return newHeld(base.Origin, z, soa), nil
}
