package zone

import (
	"bytes"
	"fmt"
	"sync/atomic"

	"github.com/miekg/dns"
)

// finish lays the accumulated records out as a snapshot: records grouped into
// RRSets with contiguous rdata, flags, signature links, additional-section
// targets and the denial-of-existence chains; then checks the zone.
func (b *builder) finish() (*Zone, error) {
	b.addEmptyNonTerminals()
	z := &Zone{
		origin: b.origin,
		apex:   b.apex,
		names:  b.names,
		slots:  b.slots,
		seed:   b.seed,
		count:  b.count,
		nodes:  make([]node, len(b.nodes)),
		rdata:  make([]byte, 0, len(b.data)+2*len(b.recs)), // each record's length, then its rdata
		rrsets: make([]RRSet, 0, b.countRRSets()),

		tailClaimed: new(atomic.Bool),
	}
	var group []int32
	for id := range b.nodes {
		group = b.layoutNode(z, int32(id), group)
	}
	b.recs, b.data = nil, nil // let the garbage collector have them
	if err := z.check(); err != nil {
		return nil, err
	}
	z.setFlags()
	z.linkSigs()
	z.linkExtra()
	if err := z.buildDenial(); err != nil {
		return nil, err
	}
	return z, nil
}

// countRRSets counts the RRSets layoutNode will make, so their table is
// allocated once at its size: growing it by appending copied it a few
// times and left up to a quarter of it unused but resident.
func (b *builder) countRRSets() int {
	n := 0
	var kinds map[uint32]bool // for the rare name with many records
	for id := range b.nodes {
		first := b.nodes[id].first
		records := 0
		for r := first; r >= 0; r = b.recs[r].next {
			records++
		}
		if records > 32 {
			clear(kinds)
			if kinds == nil {
				kinds = map[uint32]bool{}
			}
			for r := first; r >= 0; r = b.recs[r].next {
				kinds[uint32(b.recs[r].rtype)<<16|uint32(b.recs[r].covers)] = true
			}
			n += len(kinds)
			continue
		}
		for r := first; r >= 0; r = b.recs[r].next {
			seen := false
			for p := first; p != r && !seen; p = b.recs[p].next {
				seen = b.recs[p].rtype == b.recs[r].rtype && b.recs[p].covers == b.recs[r].covers
			}
			if !seen {
				n++
			}
		}
	}
	return n
}

// layoutNode writes one node's records as RRSets, dropping duplicates
// (RFC 2181 5: an RRSet holds each record once).
func (b *builder) layoutNode(z *Zone, id int32, order []int32) []int32 {
	bn := &b.nodes[id]
	n := &z.nodes[id]
	n.name, n.nameLen = bn.name, bn.nameLen
	n.rrsFirst = uint32(len(z.rrsets))
	order = order[:0]
	for r := bn.first; r >= 0; r = b.recs[r].next {
		order = append(order, r)
	}
	// Stable by (type, covered type) keeps zone-file order inside each set;
	// an insertion sort, as a node holds a handful of records.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && b.recLess(order[j], order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	for i := 0; i < len(order); {
		first := &b.recs[order[i]]
		rs := RRSet{Type: first.rtype, Covers: first.covers, TTL: first.ttl, off: uint32(len(z.rdata)), sig: -1}
		j := i
		for ; j < len(order) && b.recs[order[j]].rtype == first.rtype && b.recs[order[j]].covers == first.covers; j++ {
			r := &b.recs[order[j]]
			rd := b.data[r.off : r.off+uint32(r.len)]
			if containsRdata(z.rdata[rs.off:], rd) {
				z.count--
				continue
			}
			z.rdata = append(z.rdata, byte(r.len>>8), byte(r.len))
			z.rdata = append(z.rdata, rd...)
			rs.Count++
			rs.TTL = r.ttl // RFC 2181 5.2 forbids mixed TTLs; like Knot, the last one wins
		}
		rs.size = uint32(len(z.rdata)) - rs.off
		z.rrsets = append(z.rrsets, rs)
		i = j
	}
	n.rrsCount = uint16(uint32(len(z.rrsets)) - n.rrsFirst)
	return order
}

func (b *builder) recLess(x, y int32) bool {
	rx, ry := &b.recs[x], &b.recs[y]
	if rx.rtype != ry.rtype {
		return rx.rtype < ry.rtype
	}
	return rx.covers < ry.covers
}

// containsRdata reports whether packed holds rd already (sets are small, and
// comparing wire rdata is exactly RFC 2181's notion of a duplicate).
func containsRdata(packed, rd []byte) bool {
	for len(packed) >= 2 {
		l := int(u16(packed))
		if bytes.Equal(packed[2:2+l], rd) {
			return true
		}
		packed = packed[2+l:]
	}
	return false
}

// check applies the semantic rules a zone must meet to be served.
func (z *Zone) check() error {
	soa, ok := z.RRSet(0, dns.TypeSOA)
	if !ok {
		return fmt.Errorf("zone %s: no SOA record at the apex", z.origin)
	}
	if soa.Count != 1 {
		return fmt.Errorf("zone %s: %d SOA records at the apex, want exactly one", z.origin, soa.Count)
	}
	if _, ok := z.RRSet(0, dns.TypeNS); !ok {
		return fmt.Errorf("zone %s: no NS records at the apex", z.origin)
	}
	rr, err := z.unpack(0, soa, z.Rdata(soa)[2:])
	if err != nil {
		return fmt.Errorf("zone %s: SOA: %w", z.origin, err)
	}
	z.soa = *rr.(*dns.SOA)
	z.serial = z.soa.Serial
	for id := range z.nodes {
		if err := z.checkNode(NodeID(id)); err != nil {
			return fmt.Errorf("zone %s: %s: %w", z.origin, presentation(z.Name(NodeID(id))), err)
		}
	}
	return nil
}

func (z *Zone) checkNode(id NodeID) error {
	var cname, other bool
	for _, rs := range z.RRSets(id) {
		switch rs.Type {
		case dns.TypeSOA:
			if id != 0 {
				return fmt.Errorf("SOA record outside the apex")
			}
		case dns.TypeCNAME:
			if rs.Count > 1 {
				return fmt.Errorf("%d CNAME records, a name may own only one", rs.Count)
			}
			cname = true
		case dns.TypeDNAME:
			if rs.Count > 1 {
				return fmt.Errorf("%d DNAME records, a name may own only one", rs.Count)
			}
		case dns.TypeRRSIG, dns.TypeNSEC:
		default:
			other = true
		}
	}
	if cname && other {
		return fmt.Errorf("CNAME and other data (RFC 1034 3.6.2)")
	}
	if cname && id == 0 {
		return fmt.Errorf("CNAME at the zone apex")
	}
	return nil
}

// setFlags marks cuts, DNAME and CNAME owners, wildcard parents, and the
// names a cut or a DNAME hides.
func (z *Zone) setFlags() {
	for id := range z.nodes {
		n := &z.nodes[id]
		for _, rs := range z.RRSets(NodeID(id)) {
			switch rs.Type {
			case dns.TypeNS:
				if id != 0 {
					n.flags |= Cut
				}
			case dns.TypeDNAME:
				n.flags |= DNAMEOwner
			case dns.TypeCNAME:
				n.flags |= CNAMEOwner
			}
		}
		name := z.Name(NodeID(id))
		if len(name) > 2 && name[0] == 1 && name[1] == '*' && id != 0 {
			if p := z.Find(parentOf(name)); p != NoNode {
				z.nodes[p].flags |= HasWildcard
			}
		}
	}
	for id := range z.nodes {
		if z.hiddenByAncestor(z.Name(NodeID(id))) {
			z.nodes[id].flags |= Occluded
		}
	}
}

// hiddenByAncestor reports whether a cut or DNAME strictly above name (and
// below the apex... or at it for DNAME) hides it.
func (z *Zone) hiddenByAncestor(name []byte) bool {
	for p := parentOf(name); len(p) >= len(z.apex); p = parentOf(p) {
		id := z.Find(p)
		if id == NoNode {
			continue
		}
		if z.nodes[id].flags&(Cut|DNAMEOwner) != 0 {
			return true
		}
		if len(p) == len(z.apex) {
			break
		}
	}
	return false
}

// linkSigs points every RRSet at the RRSIG set that covers it.
func (z *Zone) linkSigs() {
	for id := range z.nodes {
		n := &z.nodes[id]
		sets := z.rrsets[n.rrsFirst : n.rrsFirst+uint32(n.rrsCount)]
		for i := range sets {
			if sets[i].Type == dns.TypeRRSIG {
				continue
			}
			for j := range sets {
				if sets[j].Type == dns.TypeRRSIG && sets[j].Covers == sets[i].Type {
					sets[i].sig = int32(n.rrsFirst) + int32(j)
				}
			}
		}
	}
}

// linkExtra records, for NS, MX and SRV sets, the in-zone targets that own
// addresses: the glue and additional data the answers will carry.
func (z *Zone) linkExtra() {
	for i := range z.rrsets {
		z.linkExtraOf(&z.rrsets[i])
	}
}

// extraSkip is where the target name starts in the rdata of the types that
// carry additional data, or -1 for the others.
func extraSkip(rtype uint16) int {
	switch rtype {
	case dns.TypeNS:
		return 0
	case dns.TypeMX:
		return 2
	case dns.TypeSRV:
		return 6
	}
	return -1
}

// linkExtraOf (re)computes one set's additional-section targets.
func (z *Zone) linkExtraOf(rs *RRSet) {
	skip := extraSkip(rs.Type)
	if skip < 0 {
		return
	}
	rs.extra, rs.nextra = uint32(len(z.extra)), 0
	for rd := z.Rdata(*rs); len(rd) >= 2; {
		l := int(u16(rd))
		if target := rd[2+skip : 2+l]; IsBelowOrEqual(target, z.apex) { // stored lower-cased
			if id := z.Find(target); id != NoNode && z.hasAddress(id) && !z.listed(*rs, id) {
				z.extra = append(z.extra, id)
				rs.nextra++
			}
		}
		rd = rd[2+l:]
	}
}

func (z *Zone) listed(rs RRSet, id NodeID) bool {
	for _, x := range z.extra[rs.extra : rs.extra+uint32(rs.nextra)] {
		if x == id {
			return true
		}
	}
	return false
}

func (z *Zone) hasAddress(id NodeID) bool {
	_, a := z.RRSet(id, dns.TypeA)
	_, aaaa := z.RRSet(id, dns.TypeAAAA)
	return a || aaaa
}
