package zone

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/miekg/dns"
)

// builder accumulates records one at a time, grouped per owner through a hash
// table, so building costs O(records) with no per-record allocation kept.
type builder struct {
	origin string
	apex   []byte
	seed   maphash.Seed

	names []byte
	nodes []bnode
	slots []int32
	recs  []brec
	data  []byte
	pack  []byte // scratch for dns.PackRR
	count int
}

type bnode struct {
	name    uint32
	nameLen uint8
	first   int32 // first record in builder.recs, -1 if none
	last    int32
}

type brec struct {
	next   int32
	rtype  uint16
	covers uint16
	ttl    uint32
	off    uint32
	len    uint16
}

// ErrNotInZone reports a record whose owner lies outside the zone.
var ErrNotInZone = errors.New("out of zone")

func newBuilder(origin string, sizeHint int) (*builder, error) {
	apex, err := wireName(origin)
	if err != nil {
		return nil, fmt.Errorf("bad origin %q: %w", origin, err)
	}
	b := &builder{
		origin: presentation(apex),
		apex:   apex,
		seed:   maphash.MakeSeed(),
		pack:   make([]byte, 65536+512),
	}
	slots := 16
	for slots < sizeHint {
		slots <<= 1
	}
	b.slots = newSlots(slots)
	b.insert(apex)
	return b, nil
}

func newSlots(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = -1
	}
	return s
}

// reserve sizes the arenas for a master file of n bytes, so they are not
// copied over and over while growing.
func (b *builder) reserve(n int) {
	b.recs = slices.Grow(b.recs, n/40)
	b.data = slices.Grow(b.data, n/2)
	b.nodes = slices.Grow(b.nodes, n/40)
	b.names = slices.Grow(b.names, n/6)
}

// reserveRecords sizes the arenas for n records of a typical ccTLD zone
// (about two records per name, 20 bytes of rdata and 12 of name each).
// Capacity not filled costs address space, not memory: the pages are
// never touched.
func (b *builder) reserveRecords(n int) {
	b.recs = slices.Grow(b.recs, n)
	b.data = slices.Grow(b.data, 24*n)
	b.nodes = slices.Grow(b.nodes, n/2)
	b.names = slices.Grow(b.names, 8*n)
}

// add stores one record. The owner and rdata are copied.
func (b *builder) add(rr dns.RR) error {
	owner, rdata, err := b.wire(rr)
	if err != nil {
		return err
	}
	h := rr.Header()
	b.addRecord(b.insert(owner), h.Rrtype, h.Ttl, rdata)
	return nil
}

// addWire stores one record given in uncompressed wire form, as a transfer
// receiver reads it off the wire, with the checks add makes. owner and
// rdata are lower-cased in place, then copied.
func (b *builder) addWire(owner []byte, rtype, class uint16, ttl uint32, rdata []byte) error {
	if err := b.storedForm(owner, rtype, class, rdata); err != nil {
		return err
	}
	b.addRecord(b.insert(owner), rtype, ttl, rdata)
	return nil
}

// storedForm refuses what cannot be a record of this zone and brings a
// record in wire form to the form the snapshot stores, in place: the owner
// lower-cased, and the names in its rdata.
func (b *builder) storedForm(owner []byte, rtype, class uint16, rdata []byte) error {
	if class != dns.ClassINET {
		return fmt.Errorf("%s: class %s not supported, only IN", presentation(owner), dns.ClassToString[class])
	}
	switch rtype {
	case dns.TypeOPT, dns.TypeTSIG, dns.TypeTKEY, dns.TypeAXFR, dns.TypeIXFR, dns.TypeANY:
		return fmt.Errorf("%s: type %s cannot appear in a zone", presentation(owner), dns.TypeToString[rtype])
	}
	LowerWire(owner)
	if !IsBelowOrEqual(owner, b.apex) {
		return fmt.Errorf("%s %s: %w %s", presentation(owner), dns.TypeToString[rtype], ErrNotInZone, b.origin)
	}
	lowerRdataNames(rtype, rdata)
	return nil
}

// wire packs rr into the builder's scratch space as the snapshot stores it:
// lower-case owner, rdata with lower-cased names. Both slices are valid
// until the next call.
func (b *builder) wire(rr dns.RR) (owner, rdata []byte, err error) {
	h := rr.Header()
	if h.Name == "" {
		// miekg's update form on a file's first line ("A"): no owner at all
		return nil, nil, fmt.Errorf("%s record without an owner name", dns.TypeToString[h.Rrtype])
	}
	n, err := dns.PackRR(rr, b.pack, 0, nil, false)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", h.Name, dns.TypeToString[h.Rrtype], err)
	}
	ownerLen := nameLength(b.pack[:n])
	if ownerLen+10 > n {
		return nil, nil, fmt.Errorf("%s %s: does not pack", h.Name, dns.TypeToString[h.Rrtype])
	}
	owner, rdata = b.pack[:ownerLen], b.pack[ownerLen+10:n]
	if err := b.storedForm(owner, h.Rrtype, h.Class, rdata); err != nil {
		return nil, nil, err
	}
	return owner, rdata, nil
}

// addRecord appends one record in stored form to node id.
func (b *builder) addRecord(id int32, rtype uint16, ttl uint32, rdata []byte) {
	r := brec{next: -1, rtype: rtype, ttl: ttl, off: uint32(len(b.data)), len: uint16(len(rdata))}
	if rtype == dns.TypeRRSIG && len(rdata) >= 2 {
		r.covers = u16(rdata) // the type covered opens RRSIG rdata
	}
	b.data = append(b.data, rdata...)
	b.recs = append(b.recs, r)
	ri := int32(len(b.recs) - 1)
	bn := &b.nodes[id]
	if bn.first < 0 {
		bn.first = ri
	} else {
		b.recs[bn.last].next = ri
	}
	bn.last = ri
	b.count++
}

// nameLength is the length of the uncompressed wire name at the start of buf.
func nameLength(buf []byte) int {
	i := 0
	for i < len(buf) && buf[i] != 0 {
		i += int(buf[i]) + 1
	}
	return i + 1
}

// insert returns the node of a lower-case wire name, creating it if needed.
func (b *builder) insert(name []byte) int32 {
	mask := uint32(len(b.slots) - 1)
	i := uint32(maphash.Bytes(b.seed, name)) & mask
	for {
		id := b.slots[i]
		if id < 0 {
			break
		}
		n := &b.nodes[id]
		if int(n.nameLen) == len(name) && string(b.names[n.name:n.name+uint32(n.nameLen)]) == string(name) {
			return id
		}
		i = (i + 1) & mask
	}
	id := int32(len(b.nodes))
	b.nodes = append(b.nodes, bnode{name: uint32(len(b.names)), nameLen: uint8(len(name)), first: -1, last: -1})
	b.names = append(b.names, name...)
	b.slots[i] = id
	if len(b.nodes)*2 > len(b.slots) {
		b.rehash(len(b.slots) * 2)
	}
	return id
}

func (b *builder) rehash(size int) {
	b.slots = newSlots(size)
	mask := uint32(size - 1)
	for id := range b.nodes {
		n := &b.nodes[id]
		i := uint32(maphash.Bytes(b.seed, b.names[n.name:n.name+uint32(n.nameLen)])) & mask
		for b.slots[i] >= 0 {
			i = (i + 1) & mask
		}
		b.slots[i] = int32(id)
	}
}

// addEmptyNonTerminals creates every missing name between each owner and the
// apex, so that "no node" always means "no name at or below".
func (b *builder) addEmptyNonTerminals() {
	var parent []byte                   // a copy: insert may move b.names
	for i := 0; i < len(b.nodes); i++ { // b.nodes grows while we walk it
		n := b.nodes[i]
		name := b.names[n.name : n.name+uint32(n.nameLen)]
		if len(name) <= len(b.apex) {
			continue
		}
		if p := parentOf(name); len(p) == len(b.apex) {
			continue // a child of the apex: most names of a TLD zone
		}
		parent = append(parent[:0], parentOf(name)...)
		b.insert(parent)
	}
}

func u16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

// lowerRdataNames lower-cases the domain names inside the rdata of the types
// whose names may be compressed in answers, as RFC 4034 6.2 does for the
// canonical form (so signatures stay valid) and as Knot DNS does.
func lowerRdataNames(rtype uint16, rd []byte) {
	switch rtype {
	case dns.TypeNS, dns.TypeCNAME, dns.TypePTR, dns.TypeDNAME:
		LowerWire(rd)
	case dns.TypeMX:
		if len(rd) > 2 {
			LowerWire(rd[2:])
		}
	case dns.TypeSRV:
		if len(rd) > 6 {
			LowerWire(rd[6:])
		}
	case dns.TypeSOA:
		LowerWire(rd)
		if n := nameLength(rd); n < len(rd) {
			LowerWire(rd[n:])
		}
	}
}
