package authserver

import (
	"anycloud/internal/zone"
)

// item is one RRSet queued for a section. Resolution first decides what an
// answer holds, in any order; writing then lays the sections out in order and
// truncates on RRSet boundaries.
type item struct {
	owner    []byte // lower-case wire name
	rs       zone.RRSet
	ttl      uint32 // used instead of rs.TTL when ttlSet
	ttlSet   bool
	synth    []byte // rdata of a synthesised CNAME (rs is then zero)
	required bool   // additional data whose absence must set TC (glue)
}

const (
	maxAnswer     = 32
	maxAuthority  = 16
	maxAdditional = 32
	// maxChain is how many CNAME/DNAME hops are followed inside a zone: an
	// answer holds at most five CNAMEs and then the data of the fifth's
	// target unless that is one more CNAME, as Knot DNS's answers do (the
	// resolver follows the rest; a long chain must not make one query cost
	// many lookups).
	maxChain = 5
)

// response holds the state of answering one query; a worker reuses it.
type response struct {
	q      *query
	z      *zone.Zone
	dnssec bool
	aa     bool
	rcode  int

	answer     [maxAnswer]item
	nanswer    int
	authority  [maxAuthority]item
	nauthority int
	additional [maxAdditional]item
	nadditonal int

	proofs  [8]zone.NodeID // NSEC/NSEC3 nodes already queued
	nproofs int
	visited [maxChain + 1]zone.NodeID // CNAME owners seen, against loops
	nvisit  int

	rrlClass int    // set by referral and nxdomain; else derived from the answer
	rrlName  []byte // the cut or apex those count against
	// rrlSynth is the owner of the first wildcard or DNAME the answer was
	// made from: random names under it count against it, as NSD counts
	// wildcard answers against the wildcard.
	rrlSynth []byte

	synth [maxChain + 1][255]byte // names made by DNAME substitution
	wild  [257]byte               // "*." + closest encloser
	offs  [maxChain + 1][128]uint8
}

func (r *response) reset(q *query, z *zone.Zone) {
	r.q, r.z = q, z
	r.dnssec = q.do && z.Signed()
	r.aa = true
	r.rcode = 0
	r.nanswer, r.nauthority, r.nadditonal = 0, 0, 0
	r.nproofs, r.nvisit = 0, 0
	r.rrlClass, r.rrlName, r.rrlSynth = 0, nil, nil
}

// rrlClassify names the rate-limiting class of the response and the name it
// counts against: referrals per delegation, NXDOMAIN per zone (random
// subdomains must not dodge the limit), answers and NODATA made from a
// wildcard or DNAME per its owner (for the same reason), other answers and
// NODATA per query name.
func (r *response) rrlClassify(answers uint16) (int, []byte) {
	switch {
	case r.rrlSynth != nil:
		return rrlWildcard, r.rrlSynth
	case r.rrlClass != 0 && answers == 0:
		return r.rrlClass, r.rrlName
	case answers > 0:
		return rrlAnswer, r.q.name()
	default:
		return rrlNoData, r.q.name()
	}
}

func (r *response) addAnswer(it item) {
	if r.nanswer < maxAnswer {
		r.answer[r.nanswer] = it
		r.nanswer++
	}
}

func (r *response) addAuthority(it item) {
	if r.nauthority < maxAuthority {
		r.authority[r.nauthority] = it
		r.nauthority++
	}
}

func (r *response) addAdditional(it item) {
	for i := 0; i < r.nadditonal; i++ {
		if r.additional[i].rs == it.rs && string(r.additional[i].owner) == string(it.owner) {
			return // the same glue named by two NS records
		}
	}
	if r.nadditonal < maxAdditional {
		r.additional[r.nadditonal] = it
		r.nadditonal++
	}
}

// addSet queues rs at owner and, when DNSSEC is wanted, its signatures.
func (r *response) addSet(sec func(*response, item), owner []byte, rs zone.RRSet) {
	sec(r, item{owner: owner, rs: rs})
	if r.dnssec {
		if sig, ok := r.z.Sigs(rs); ok {
			sec(r, item{owner: owner, rs: sig})
		}
	}
}

// addProof queues an NSEC or NSEC3 node's record and signature in the
// authority section, once.
func (r *response) addProof(id zone.NodeID, rtype uint16) {
	if id == zone.NoNode {
		return
	}
	for i := 0; i < r.nproofs; i++ {
		if r.proofs[i] == id {
			return
		}
	}
	if r.nproofs < len(r.proofs) {
		r.proofs[r.nproofs] = id
		r.nproofs++
	}
	if rs, ok := r.z.RRSet(id, rtype); ok {
		r.addSet((*response).addAuthority, r.z.Name(id), rs)
	}
}
