package zone

import (
	"hash/maphash"
	"sync/atomic"

	"github.com/miekg/dns"
)

// NodeID identifies a name in a snapshot; NoNode means "no such name".
type NodeID int32

// NoNode is returned by lookups that find nothing.
const NoNode NodeID = -1

// Flags summarise what a node holds, so the query path branches on one byte.
type Flags uint8

const (
	// Cut marks a delegation point: NS below the apex.
	Cut Flags = 1 << iota
	// DNAMEOwner marks a node that owns a DNAME.
	DNAMEOwner
	// CNAMEOwner marks a node that owns a CNAME.
	CNAMEOwner
	// HasWildcard marks a node with a "*" child.
	HasWildcard
	// Occluded marks names below a cut or a DNAME (glue and the like): data
	// that is never answered authoritatively.
	Occluded
)

// Hash table slots hold a node index, emptySlot, or removedSlot where a
// patch took a name out (lookups probe past it).
const (
	emptySlot   = -1
	removedSlot = -2
)

// node is one owner name. Nodes hold no pointers so the garbage collector
// never scans a snapshot, however large.
type node struct {
	name     uint32 // offset of the lower-case wire name in Zone.names
	nameLen  uint8
	flags    Flags
	rrsCount uint16
	rrsFirst uint32 // index of the first RRSet in Zone.rrsets
}

// RRSet is one set of records of a type at a node, as packed wire rdata.
// RRSIGs form their own sets, one per covered type.
type RRSet struct {
	Type   uint16
	Covers uint16 // for RRSIG sets: the type covered
	Count  uint16
	TTL    uint32
	off    uint32 // rdata: Count times [2-byte length][rdata]
	size   uint32
	sig    int32  // index of the RRSIG set covering this one, or -1
	extra  uint32 // first index in Zone.extra of the additional-section targets
	nextra uint16
}

// Zone is an immutable snapshot of one zone.
type Zone struct {
	origin string
	apex   []byte
	serial uint32
	soa    dns.SOA
	count  int

	names  []byte
	nodes  []node
	rrsets []RRSet
	rdata  []byte
	extra  []NodeID
	slots  []int32 // open-addressing hash table of node indices, -1 empty
	seed   maphash.Seed

	nsec  []NodeID // nodes owning NSEC, in canonical order
	nsec3 *nsec3Chain

	// tailClaimed is set by the first patch made from this snapshot, which
	// then appends to names, rdata and extra in place (cloneForPatch).
	tailClaimed *atomic.Bool
}

// Origin is the zone's apex, a canonical lower-case FQDN such as "sv.".
func (z *Zone) Origin() string { return z.origin }

// Apex is the apex as lower-case wire name; callers must not modify it.
func (z *Zone) Apex() []byte { return z.apex }

// Serial is the SOA serial of this version.
func (z *Zone) Serial() uint32 { return z.serial }

// SOA returns a copy of the apex SOA record.
func (z *Zone) SOA() *dns.SOA { s := z.soa; return &s }

// Len is the number of records in the zone.
func (z *Zone) Len() int { return z.count }

// Signed reports whether the apex carries a DNSKEY, so proofs must be served.
func (z *Zone) Signed() bool {
	_, ok := z.RRSet(0, dns.TypeDNSKEY)
	return ok
}

// NSEC3 reports whether denial of existence uses NSEC3 (else NSEC, if signed).
func (z *Zone) NSEC3() bool { return z.nsec3 != nil }

// Find returns the node with exactly this lower-case wire name.
func (z *Zone) Find(name []byte) NodeID {
	mask := uint32(len(z.slots) - 1)
	i := uint32(maphash.Bytes(z.seed, name)) & mask
	for {
		id := z.slots[i]
		if id == emptySlot {
			return NoNode
		}
		if id >= 0 {
			n := &z.nodes[id]
			if int(n.nameLen) == len(name) && string(z.names[n.name:n.name+uint32(n.nameLen)]) == string(name) {
				return NodeID(id)
			}
		}
		i = (i + 1) & mask // past a name's slot or a removed name's tombstone
	}
}

// Name is the node's lower-case wire name; callers must not modify it.
func (z *Zone) Name(id NodeID) []byte {
	n := &z.nodes[id]
	return z.names[n.name : n.name+uint32(n.nameLen)]
}

// Flags returns the node's summary flags.
func (z *Zone) Flags(id NodeID) Flags { return z.nodes[id].flags }

// RRSets lists every set at the node, RRSIG sets included.
func (z *Zone) RRSets(id NodeID) []RRSet {
	n := &z.nodes[id]
	return z.rrsets[n.rrsFirst : n.rrsFirst+uint32(n.rrsCount)]
}

// RRSet returns the set of type t at the node (not an RRSIG set).
func (z *Zone) RRSet(id NodeID, t uint16) (RRSet, bool) {
	for _, rs := range z.RRSets(id) {
		if rs.Type == t && rs.Type != dns.TypeRRSIG {
			return rs, true
		}
	}
	return RRSet{}, false
}

// Sigs returns the RRSIG set covering rs.
func (z *Zone) Sigs(rs RRSet) (RRSet, bool) {
	if rs.sig < 0 {
		return RRSet{}, false
	}
	return z.rrsets[rs.sig], true
}

// Rdata returns the packed rdata of rs: Count entries of a 2-byte big-endian
// length followed by that many bytes of uncompressed rdata.
func (z *Zone) Rdata(rs RRSet) []byte { return z.rdata[rs.off : rs.off+rs.size] }

// Extra lists the nodes whose A and AAAA records belong in the additional
// section when rs (NS, MX, SRV) is given: its targets inside the zone.
func (z *Zone) Extra(rs RRSet) []NodeID {
	return z.extra[rs.extra : rs.extra+uint32(rs.nextra)]
}

// NodeCount is the number of names, empty non-terminals included.
func (z *Zone) NodeCount() int { return len(z.nodes) }
