package authserver

import (
	"encoding/binary"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// Resolution follows RFC 1034 4.3.2 inside one zone: walk down from the
// apex to the closest encloser, stopping at cuts (referral) and DNAMEs
// (substitution), then answer exactly, from a wildcard, or with NXDOMAIN.

const (
	rcodeNXDomain = 3
	rcodeYXDomain = 6
)

// resolve answers name (lower-case wire, label offsets offs) in r.z. hop
// counts CNAME/DNAME steps already taken.
func (r *response) resolve(name []byte, offs []uint8, hop int) {
	z := r.z
	below := len(offs) - 1 - zone.LabelCount(z.Apex())
	ce, ceAt := zone.NodeID(0), below
	for j := below - 1; j >= 0; j-- {
		id := z.Find(name[offs[j]:])
		if id == zone.NoNode || z.Flags(id)&zone.NSEC3Only != 0 {
			break
		}
		ce, ceAt = id, j
		f := z.Flags(id)
		if f&zone.Cut != 0 && !(j == 0 && r.q.qtype == dns.TypeDS) {
			r.referral(id)
			return
		}
		if f&zone.DNAMEOwner != 0 && j > 0 {
			r.dname(name, offs, j, id, hop)
			return
		}
	}
	switch {
	case ceAt == 0:
		r.exact(name, ce, hop)
	case z.Flags(ce)&zone.HasWildcard != 0:
		r.wildcard(name, offs, ce, ceAt, hop)
	default:
		r.nxdomain(name, offs, ce, ceAt)
	}
}

// exact answers at a name that exists.
func (r *response) exact(name []byte, id zone.NodeID, hop int) {
	z, qt := r.z, r.q.qtype
	if z.Flags(id)&zone.CNAMEOwner != 0 && followsCNAME(qt) {
		if hop >= maxChain || r.seen(id) {
			return // too long, or a loop: the chain so far is the answer
		}
		cname, _ := z.RRSet(id, dns.TypeCNAME)
		r.addSet((*response).addAnswer, name, cname)
		r.follow(id, rdataName(z.Rdata(cname), 0), hop)
		return
	}
	switch qt {
	case dns.TypeANY:
		r.any(name, id)
		return
	case dns.TypeRRSIG:
		if r.rrsigs(name, id) {
			return
		}
	default:
		if rs, ok := z.RRSet(id, qt); ok {
			r.addSet((*response).addAnswer, name, rs)
			r.addExtra(rs, false)
			return
		}
	}
	r.nodata(name, id)
}

// followsCNAME reports whether a query of type qt at a CNAME owner follows
// the CNAME. CNAME and ANY are answered by the CNAME itself; RRSIG and NSEC
// exist beside a CNAME (RFC 4035 2.5) and are answered from the name, as
// Knot DNS and NSD do.
func followsCNAME(qt uint16) bool {
	switch qt {
	case dns.TypeCNAME, dns.TypeANY, dns.TypeRRSIG, dns.TypeNSEC:
		return false
	}
	return true
}

// any answers qtype ANY minimally (RFC 8482): one RRSet the name owns.
func (r *response) any(name []byte, id zone.NodeID) {
	for _, rs := range r.z.RRSets(id) {
		if rs.Type != dns.TypeRRSIG && rs.Type != dns.TypeNSEC && rs.Type != dns.TypeNSEC3 {
			r.addSet((*response).addAnswer, name, rs)
			r.addExtra(rs, false)
			return
		}
	}
	r.nodata(name, id)
}

// rrsigs answers qtype RRSIG minimally, as Knot DNS does: the signatures
// of one RRSet, the one of the lowest type (RRSIG sorts first in canonical
// order when its rdata, which starts with the type covered, is least).
// Every signature at a busy name would not fit a UDP answer, and no
// validator asks for RRSIGs alone (RFC 4035 3.1.5 leaves the choice open).
func (r *response) rrsigs(name []byte, id zone.NodeID) bool {
	var best zone.RRSet
	found := false
	for _, rs := range r.z.RRSets(id) {
		if rs.Type == dns.TypeRRSIG && (!found || rs.Covers < best.Covers) {
			best, found = rs, true
		}
	}
	if found {
		r.addAnswer(item{owner: name, rs: best})
	}
	return found
}

// nodata answers a name that exists without the asked type.
func (r *response) nodata(name []byte, id zone.NodeID) {
	r.addNegativeSOA()
	if !r.dnssec {
		return
	}
	if !r.z.NSEC3() {
		if _, ok := r.z.RRSet(id, dns.TypeNSEC); ok {
			r.addProof(id, dns.TypeNSEC)
		} else { // an empty non-terminal: the NSEC before it covers it
			r.addProof(r.z.NSECCovering(name), dns.TypeNSEC)
		}
		return
	}
	n3, match := r.z.NSEC3Find(name)
	if match {
		r.addProof(n3, dns.TypeNSEC3)
		return
	}
	// No NSEC3 for the name: an opt-out span (RFC 5155 7.2.4).
	r.closestProvableEncloser(name, n3)
}

// nxdomain answers a name that does not exist below closest encloser ce.
func (r *response) nxdomain(name []byte, offs []uint8, ce zone.NodeID, ceAt int) {
	r.rcode = rcodeNXDomain
	r.rrlClass, r.rrlName = rrlNXDomain, r.z.Apex()
	r.addNegativeSOA()
	if !r.dnssec {
		return
	}
	wild := r.wildcardOf(r.z.Name(ce))
	if !r.z.NSEC3() {
		r.addProof(r.z.NSECCovering(name), dns.TypeNSEC)
		r.addProof(r.z.NSECCovering(wild), dns.TypeNSEC)
		return
	}
	r.nsec3NXDomainProof(r.z.Name(ce), name[offs[ceAt-1]:])
}

// nsec3NXDomainProof proves a name does not exist (RFC 5155 7.2.2): the
// closest provable encloser's NSEC3, the cover of the next closer name, and
// the cover of the wildcard at the encloser. Under opt-out the closest
// encloser can be an empty non-terminal that has no NSEC3 of its own (its
// children are all insecure delegations); the proof then climbs to the
// first ancestor that has one, as Knot DNS does.
func (r *response) nsec3NXDomainProof(ce, nextCloser []byte) {
	apexLen := len(r.z.Apex())
	match, ok := r.z.NSEC3Find(ce)
	for !ok && len(ce) > apexLen {
		ce, nextCloser = parentName(ce), ce
		match, ok = r.z.NSEC3Find(ce)
	}
	r.addProof(match, dns.TypeNSEC3)
	n3, _ := r.z.NSEC3Find(nextCloser)
	r.addProof(n3, dns.TypeNSEC3)
	n3, _ = r.z.NSEC3Find(r.wildcardOf(ce))
	r.addProof(n3, dns.TypeNSEC3)
}

// wildcard answers from "*.<closest encloser>" (RFC 4592), with the proof
// that the query name itself does not exist.
func (r *response) wildcard(name []byte, offs []uint8, ce zone.NodeID, ceAt, hop int) {
	z, qt := r.z, r.q.qtype
	wname := r.wildcardOf(z.Name(ce))
	wc := z.Find(wname)
	if r.rrlSynth == nil {
		r.rrlSynth = z.Name(wc)
	}
	nextCloser := name[offs[ceAt-1]:]
	if r.dnssec {
		defer r.wildcardProof(name, nextCloser)
	}
	if qt == dns.TypeRRSIG && r.rrsigs(name, wc) {
		return
	}
	if z.Flags(wc)&zone.CNAMEOwner != 0 && followsCNAME(qt) {
		if hop >= maxChain {
			return // the chain is long enough; the proof still goes in
		}
		cname, _ := z.RRSet(wc, dns.TypeCNAME)
		r.addSet((*response).addAnswer, name, cname)
		r.follow(wc, rdataName(z.Rdata(cname), 0), hop)
		return
	}
	if qt == dns.TypeANY {
		r.any(name, wc)
		return
	}
	if rs, ok := z.RRSet(wc, qt); ok {
		r.addSet((*response).addAnswer, name, rs)
		r.addExtra(rs, false)
		return
	}
	// Wildcard NODATA (RFC 4035 3.1.3.4, RFC 5155 7.2.5).
	r.addNegativeSOA()
	if !r.dnssec {
		return
	}
	// The deferred wildcardProof adds the next closer name's cover (NSEC3) or
	// the query name's cover (NSEC); here goes the rest of the proof.
	if z.NSEC3() {
		ceMatch, _ := z.NSEC3Find(z.Name(ce))
		r.addProof(ceMatch, dns.TypeNSEC3)
		wcMatch, _ := z.NSEC3Find(wname)
		r.addProof(wcMatch, dns.TypeNSEC3)
		return
	}
	r.addProof(wc, dns.TypeNSEC)
}

// wildcardProof proves the query name does not exist, so the wildcard applied.
func (r *response) wildcardProof(name, nextCloser []byte) {
	if r.z.NSEC3() {
		n3, _ := r.z.NSEC3Find(nextCloser)
		r.addProof(n3, dns.TypeNSEC3)
		return
	}
	r.addProof(r.z.NSECCovering(name), dns.TypeNSEC)
}

// closestProvableEncloser walks up from name (whose NSEC3 cover the caller
// already found) to the first ancestor with a matching NSEC3, and proves it
// with the cover of the next closer name. Each name is hashed once.
func (r *response) closestProvableEncloser(name []byte, nameCover zone.NodeID) {
	apexLen := len(r.z.Apex())
	nextCover := nameCover
	for p := parentName(name); len(p) >= apexLen; p = parentName(p) {
		n3, match := r.z.NSEC3Find(p)
		if match {
			r.addProof(n3, dns.TypeNSEC3)
			r.addProof(nextCover, dns.TypeNSEC3)
			return
		}
		nextCover = n3
	}
}

// referral answers below a zone cut: NS in authority, DS or its absence
// proven when DNSSEC is wanted, glue in additional (RFC 1034 4.3.2 3b).
func (r *response) referral(cut zone.NodeID) {
	z := r.z
	if r.nanswer == 0 {
		r.aa = false
	}
	owner := z.Name(cut)
	r.rrlClass, r.rrlName = rrlReferral, owner
	ns, _ := z.RRSet(cut, dns.TypeNS)
	r.addAuthority(item{owner: owner, rs: ns})
	if r.dnssec {
		if ds, ok := z.RRSet(cut, dns.TypeDS); ok {
			r.addSet((*response).addAuthority, owner, ds)
		} else if !z.NSEC3() {
			r.addProof(cut, dns.TypeNSEC)
		} else if n3, match := z.NSEC3Find(owner); match {
			r.addProof(n3, dns.TypeNSEC3)
		} else {
			r.closestProvableEncloser(owner, n3)
		}
	}
	r.addExtra(ns, true)
}

// addWildcardGlue adds, for name servers (of a referral or an NS answer;
// not for MX or SRV targets) that do not exist in the zone but are matched
// by a wildcard outside any cut (ns.w when *.w owns addresses), the
// addresses synthesised from the wildcard, as Knot DNS and NSD do: without
// them the resolver has to ask again for a name this very zone answers.
func (r *response) addWildcardGlue(ns zone.RRSet) {
	z := r.z
	for rd := z.Rdata(ns); len(rd) >= 2; {
		l := int(binary.BigEndian.Uint16(rd))
		target := rd[2 : 2+l]
		rd = rd[2+l:]
		if !zone.IsBelowOrEqual(target, z.Apex()) || z.Find(target) != zone.NoNode {
			continue // out of zone, or a name that exists (addExtra's)
		}
		wc := r.wildcardFor(target)
		if wc == zone.NoNode {
			continue
		}
		for _, t := range [2]uint16{dns.TypeA, dns.TypeAAAA} {
			if set, ok := z.RRSet(wc, t); ok {
				r.addAdditional(item{owner: target, rs: set})
				if sig, ok := z.Sigs(set); r.dnssec && ok {
					r.addAdditional(item{owner: target, rs: sig})
				}
			}
		}
	}
}

// wildcardFor returns the wildcard that synthesises name, a name the zone
// does not have: "*." + its closest encloser, when that exists and no cut
// or DNAME lies on the way down to it.
func (r *response) wildcardFor(name []byte) zone.NodeID {
	z := r.z
	var buf [128]uint8
	offs := labelOffsets(name, buf[:0])
	below := len(offs) - 1 - zone.LabelCount(z.Apex())
	ce := zone.NodeID(0)
	for j := below - 1; j > 0; j-- {
		id := z.Find(name[offs[j]:])
		if id == zone.NoNode || z.Flags(id)&zone.NSEC3Only != 0 {
			break
		}
		if z.Flags(id)&(zone.Cut|zone.DNAMEOwner) != 0 {
			return zone.NoNode
		}
		ce = id
	}
	if z.Flags(ce)&zone.HasWildcard == 0 {
		return zone.NoNode
	}
	return z.Find(r.wildcardOf(z.Name(ce)))
}

// addExtra queues the addresses of in-zone targets of NS, MX and SRV sets.
// For a referral, addresses below the cut are glue the answer needs.
func (r *response) addExtra(rs zone.RRSet, referral bool) {
	z := r.z
	for _, id := range z.Extra(rs) {
		owner := z.Name(id)
		required := referral && z.Flags(id)&zone.Occluded != 0
		for _, t := range [2]uint16{dns.TypeA, dns.TypeAAAA} {
			if set, ok := z.RRSet(id, t); ok {
				r.addAdditional(item{owner: owner, rs: set, required: required})
				if r.dnssec && !required {
					if sig, ok := z.Sigs(set); ok {
						r.addAdditional(item{owner: owner, rs: sig})
					}
				}
			}
		}
	}
	if rs.Type == dns.TypeNS {
		r.addWildcardGlue(rs)
	}
}

// dname substitutes the DNAME at label j of name (RFC 6672 3.2).
func (r *response) dname(name []byte, offs []uint8, j int, id zone.NodeID, hop int) {
	z := r.z
	if hop >= maxChain || r.seen(id) {
		// Too long, or a DNAME met again: its target lies below itself (or
		// a chain leads back to it). The chain so far is the answer, as
		// NSD answers a DNAME loop.
		return
	}
	rs, _ := z.RRSet(id, dns.TypeDNAME)
	if r.rrlSynth == nil {
		r.rrlSynth = z.Name(id)
	}
	r.addSet((*response).addAnswer, z.Name(id), rs)
	target := rdataName(z.Rdata(rs), 0)
	prefix := name[:offs[j]]
	if len(prefix)+len(target) > 255 {
		r.rcode = rcodeYXDomain
		return
	}
	buf := r.synth[hop][:0]
	buf = append(append(buf, prefix...), target...)
	r.addAnswer(item{owner: name, rs: zone.RRSet{Type: dns.TypeCNAME}, ttl: rs.TTL, ttlSet: true, synth: buf})
	if r.q.qtype == dns.TypeCNAME {
		return // the synthesised CNAME is what was asked for (RFC 6672 3.2)
	}
	r.follow(id, buf, hop)
}

// follow continues a CNAME chain at target when it lies in this zone.
func (r *response) follow(owner zone.NodeID, target []byte, hop int) {
	if r.nvisit < len(r.visited) {
		r.visited[r.nvisit] = owner
		r.nvisit++
	}
	r.followName(target, hop)
}

// seen reports whether a CNAME owner is already part of the chain.
func (r *response) seen(id zone.NodeID) bool {
	for i := 0; i < r.nvisit; i++ {
		if r.visited[i] == id {
			return true
		}
	}
	return false
}

func (r *response) followName(target []byte, hop int) {
	if hop >= maxChain || !zone.IsBelowOrEqual(target, r.z.Apex()) {
		return
	}
	offs := labelOffsets(target, r.offs[hop+1][:0])
	r.resolve(target, offs, hop+1)
}

// addNegativeSOA puts the SOA in authority with the negative-caching TTL of
// RFC 2308 3: the lesser of the SOA's TTL and its MINIMUM field.
func (r *response) addNegativeSOA() {
	z := r.z
	soa, _ := z.RRSet(0, dns.TypeSOA)
	rd := z.Rdata(soa)
	minimum := binary.BigEndian.Uint32(rd[len(rd)-4:])
	ttl := min(soa.TTL, minimum)
	r.addAuthority(item{owner: z.Apex(), rs: soa, ttl: ttl, ttlSet: true})
	if r.dnssec {
		if sig, ok := z.Sigs(soa); ok {
			r.addAuthority(item{owner: z.Apex(), rs: sig, ttl: ttl, ttlSet: true})
		}
	}
}

// wildcardOf builds "*." + name in the response's scratch space.
func (r *response) wildcardOf(name []byte) []byte {
	return append(append(r.wild[:0], 1, '*'), name...)
}

// rdataName returns the first name in packed rdata (entry 0), skipping skip
// bytes; rdata names are stored uncompressed and lower-cased.
func rdataName(packed []byte, skip int) []byte {
	l := int(binary.BigEndian.Uint16(packed))
	return packed[2+skip : 2+l]
}

func parentName(name []byte) []byte {
	if len(name) == 0 || name[0] == 0 {
		return nil
	}
	return name[int(name[0])+1:]
}

func labelOffsets(name []byte, offs []uint8) []uint8 {
	for i := 0; i < len(name); i += int(name[i]) + 1 {
		offs = append(offs, uint8(i))
		if name[i] == 0 {
			break
		}
	}
	return offs
}
