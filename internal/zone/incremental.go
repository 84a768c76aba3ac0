package zone

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/miekg/dns"
)

// An in-place patch copies old's node table, hash table and RRSet list
// (tens of megabytes for a million delegations: milliseconds), shares its
// append-only arrays, and rewrites only the names the delta touches. Every
// derived fact a full build computes (flags, glue links, NSEC order, NSEC3
// chain) is then brought up to date for those names alone, or for what they
// can affect.

// Removed marks a node a patch took out of the zone: it owns nothing and
// has nothing below it, so lookups no longer find it.
const Removed Flags = 1 << 6

// errRebuild tells Patch to fall back to a full rebuild.
var errRebuild = errors.New("rebuild")

// limits past which a full rebuild is cheaper or simpler than patching.
const (
	maxPatchOwners   = 10000 // touched names
	maxStructChanges = 16    // cuts or DNAMEs gained or lost
)

// wireRec is one record in stored form.
type wireRec struct {
	rtype, covers uint16
	ttl           uint32
	rdata         []byte
}

// ownerChange is what a delta does at one name.
type ownerChange struct {
	del, add []wireRec
}

// patcher carries one in-place patch.
type patcher struct {
	old, z  *Zone
	b       *builder // for packing records the way a build does
	changes map[string]*ownerChange
	owners  []string
	touched []NodeID
	created []NodeID

	newSOA     []byte
	newSOATTL  uint32
	hadAddress map[NodeID]bool
	hadNSEC    bool
	hadNSEC3   bool
	structural [][]byte // names whose cut or DNAME status changed
	emptied    []NodeID
}

func patchInPlace(old *Zone, deleted, added []dns.RR) (*Zone, error) {
	b, err := newBuilder(old.origin, 16)
	if err != nil {
		return nil, err
	}
	p := &patcher{old: old, b: b, changes: map[string]*ownerChange{}, hadAddress: map[NodeID]bool{}}
	if err := p.collect(deleted, added); err != nil {
		return nil, err
	}
	if len(p.owners) > maxPatchOwners || p.newSOA == nil {
		return nil, errRebuild
	}
	p.z = old.cloneForPatch()
	steps := []func() error{p.rewriteOwners, p.updateFlags, p.removeEmptied, p.updateOcclusion,
		p.updateExtra, p.updateNSEC, p.updateNSEC3, p.checkTouched}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return p.z, nil
}

// cloneForPatch copies what a patch rewrites in place (with room for what
// it appends) and shares what it only appends to. The first patch made from
// old appends to old's append-only arrays in place, past their end, where
// old never reads; any later patch from old copies them on its first
// append, so old, and every patch made from it, stay as they were.
func (old *Zone) cloneForPatch() *Zone {
	z := *old
	z.tailClaimed = new(atomic.Bool)
	z.nodes = withRoom(old.nodes)
	z.slots = slices.Clone(old.slots)
	z.rrsets = withRoom(old.rrsets)
	if old.tailClaimed == nil || !old.tailClaimed.CompareAndSwap(false, true) {
		z.names = old.names[:len(old.names):len(old.names)]
		z.rdata = old.rdata[:len(old.rdata):len(old.rdata)]
		z.extra = old.extra[:len(old.extra):len(old.extra)]
	}
	return &z
}

// withRoom copies s into a new array with patchRoom spare elements; only
// the spare part is cleared.
func withRoom[T any](s []T) []T {
	return append(s[:len(s):len(s)], make([]T, patchRoom)...)[:len(s)]
}

// patchRoom is the spare capacity a patch's copies get, so the names and
// sets a small change adds do not copy the arrays a second time.
const patchRoom = 1024

// collect groups the delta by owner in stored form.
func (p *patcher) collect(deleted, added []dns.RR) error {
	for i, list := range [][]dns.RR{deleted, added} {
		for _, rr := range list {
			if rr.Header().Rrtype == dns.TypeSOA {
				if i == 1 {
					_, rdata, err := p.b.wire(rr)
					if err != nil {
						return err
					}
					p.newSOA = append([]byte(nil), rdata...)
					p.newSOATTL = rr.Header().Ttl
				}
				continue
			}
			owner, rdata, err := p.b.wire(rr)
			if err != nil {
				return err
			}
			ch := p.changes[string(owner)]
			if ch == nil {
				ch = &ownerChange{}
				p.changes[string(owner)] = ch
				p.owners = append(p.owners, string(owner))
			}
			w := wireRec{rtype: rr.Header().Rrtype, ttl: rr.Header().Ttl, rdata: append([]byte(nil), rdata...)}
			if w.rtype == dns.TypeRRSIG && len(w.rdata) >= 2 {
				w.covers = u16(w.rdata)
			}
			if i == 0 {
				ch.del = append(ch.del, w)
			} else {
				ch.add = append(ch.add, w)
			}
		}
	}
	if _, ok := p.changes[string(p.old.apex)]; !ok {
		p.changes[string(p.old.apex)] = &ownerChange{}
		p.owners = append(p.owners, string(p.old.apex)) // the SOA changes there
	}
	return nil
}

// rewriteOwners lays out the new records of every touched name.
func (p *patcher) rewriteOwners() error {
	z := p.z
	for _, owner := range p.owners {
		name := []byte(owner)
		id := z.Find(name)
		if id == NoNode {
			var err error
			if id, err = p.createNode(name); err != nil {
				return err
			}
		}
		p.touched = append(p.touched, id)
		p.hadAddress[id] = z.hasAddress(id)
		p.noteDenial(id)
		wasStruct := z.nodes[id].flags & (Cut | DNAMEOwner)
		recs, err := p.merge(id, p.changes[owner])
		if err != nil {
			return err
		}
		p.layout(id, recs)
		if z.structFlags(id) != wasStruct {
			p.structural = append(p.structural, name)
		}
	}
	if len(p.structural) > maxStructChanges {
		return errRebuild
	}
	return nil
}

func (p *patcher) noteDenial(id NodeID) {
	for _, rs := range p.z.RRSets(id) {
		p.hadNSEC = p.hadNSEC || rs.Type == dns.TypeNSEC
		p.hadNSEC3 = p.hadNSEC3 || rs.Type == dns.TypeNSEC3 || rs.Type == dns.TypeNSEC3PARAM
	}
}

// structFlags is what a node's own records say about cuts and DNAMEs.
func (z *Zone) structFlags(id NodeID) Flags {
	var f Flags
	for _, rs := range z.RRSets(id) {
		switch {
		case rs.Type == dns.TypeNS && id != 0:
			f |= Cut
		case rs.Type == dns.TypeDNAME:
			f |= DNAMEOwner
		}
	}
	return f
}

// createNode adds a name, and the empty non-terminals above it, to the
// copied tables.
func (p *patcher) createNode(name []byte) (NodeID, error) {
	z := p.z
	if (len(z.nodes)+1)*2 > len(z.slots) {
		return NoNode, errRebuild // the hash table must grow: rebuild it
	}
	id := NodeID(len(z.nodes))
	z.nodes = append(z.nodes, node{name: uint32(len(z.names)), nameLen: uint8(len(name)), rrsFirst: uint32(len(z.rrsets))})
	z.names = append(z.names, name...)
	mask := uint32(len(z.slots) - 1)
	i := uint32(hashName(z, name)) & mask
	for z.slots[i] >= 0 {
		i = (i + 1) & mask
	}
	z.slots[i] = int32(id)
	p.created = append(p.created, id)
	if parent := parentOf(name); len(name) > len(z.apex) && z.Find(parent) == NoNode {
		if _, err := p.createNode(parent); err != nil {
			return NoNode, err
		}
	}
	return id, nil
}

// merge returns a node's records after the change: its current ones less
// the deleted (each must be there), plus the added.
func (p *patcher) merge(id NodeID, ch *ownerChange) ([]wireRec, error) {
	z := p.z
	var recs []wireRec
	for _, rs := range z.RRSets(id) {
		for rd := z.Rdata(rs); len(rd) >= 2; {
			l := int(u16(rd))
			recs = append(recs, wireRec{rtype: rs.Type, covers: rs.Covers, ttl: rs.TTL, rdata: rd[2 : 2+l]})
			rd = rd[2+l:]
		}
	}
	for _, d := range ch.del {
		i := slices.IndexFunc(recs, func(r wireRec) bool { return r.rtype == d.rtype && bytes.Equal(r.rdata, d.rdata) })
		if i < 0 {
			return nil, fmt.Errorf("zone %s: the delta deletes a %s record at %s that is not in serial %d",
				z.origin, dns.TypeToString[d.rtype], presentation(z.Name(id)), z.serial)
		}
		recs = slices.Delete(recs, i, i+1)
	}
	if id == 0 {
		recs = slices.DeleteFunc(recs, func(r wireRec) bool { return r.rtype == dns.TypeSOA })
		recs = append(recs, wireRec{rtype: dns.TypeSOA, ttl: p.newSOATTL, rdata: p.newSOA})
	}
	return append(recs, ch.add...), nil
}

// layout writes a node's records as new RRSets at the end of the copied
// arrays, grouped and deduplicated as a build does, with signatures linked.
func (p *patcher) layout(id NodeID, recs []wireRec) {
	z := p.z
	slices.SortStableFunc(recs, func(a, b wireRec) int {
		if a.rtype != b.rtype {
			return int(a.rtype) - int(b.rtype)
		}
		return int(a.covers) - int(b.covers)
	})
	before := 0
	for _, rs := range z.RRSets(id) {
		before += int(rs.Count)
	}
	n := &z.nodes[id]
	n.rrsFirst = uint32(len(z.rrsets))
	after := 0
	for i := 0; i < len(recs); {
		rs := RRSet{Type: recs[i].rtype, Covers: recs[i].covers, off: uint32(len(z.rdata)), sig: -1}
		j := i
		for ; j < len(recs) && recs[j].rtype == recs[i].rtype && recs[j].covers == recs[i].covers; j++ {
			if containsRdata(z.rdata[rs.off:], recs[j].rdata) {
				continue
			}
			z.rdata = append(z.rdata, byte(len(recs[j].rdata)>>8), byte(len(recs[j].rdata)))
			z.rdata = append(z.rdata, recs[j].rdata...)
			rs.Count++
			rs.TTL = recs[j].ttl
		}
		rs.size = uint32(len(z.rdata)) - rs.off
		z.rrsets = append(z.rrsets, rs)
		after += int(rs.Count)
		i = j
	}
	n.rrsCount = uint16(uint32(len(z.rrsets)) - n.rrsFirst)
	z.count += after - before
	z.linkSigsOf(id)
	if n.rrsCount == 0 && id != 0 {
		p.emptied = append(p.emptied, id)
	}
}

// linkSigsOf points one node's sets at the RRSIG sets covering them.
func (z *Zone) linkSigsOf(id NodeID) {
	n := &z.nodes[id]
	sets := z.rrsets[n.rrsFirst : n.rrsFirst+uint32(n.rrsCount)]
	for i := range sets {
		sets[i].sig = -1
		for j := range sets {
			if sets[i].Type != dns.TypeRRSIG && sets[j].Type == dns.TypeRRSIG && sets[j].Covers == sets[i].Type {
				sets[i].sig = int32(n.rrsFirst) + int32(j)
			}
		}
	}
}

// updateFlags recomputes what touched names' own records say, and the
// wildcard mark of the parents of touched "*" names.
func (p *patcher) updateFlags() error {
	z := p.z
	for _, id := range p.touched {
		n := &z.nodes[id]
		n.flags &^= Cut | DNAMEOwner | CNAMEOwner | NSEC3Only
		n.flags |= z.structFlags(id)
		if _, ok := z.RRSet(id, dns.TypeCNAME); ok {
			n.flags |= CNAMEOwner
		}
		if z.nsec3 != nil && z.onlyNSEC3(id) {
			n.flags |= NSEC3Only
		}
	}
	for _, id := range p.created {
		if z.hiddenByAncestor(z.Name(id)) {
			z.nodes[id].flags |= Occluded
		}
	}
	return nil
}

// setWildcardMark keeps a parent's HasWildcard in step with its "*" child.
func (z *Zone) setWildcardMark(name []byte, live bool) {
	if len(name) < 2 || name[0] != 1 || name[1] != '*' || len(name) <= len(z.apex) {
		return
	}
	if parent := z.Find(parentOf(name)); parent != NoNode {
		if live {
			z.nodes[parent].flags |= HasWildcard
		} else {
			z.nodes[parent].flags &^= HasWildcard
		}
	}
}

// removeEmptied takes out names left owning nothing with nothing below
// them, and the empty non-terminals above them that end up the same, so
// they answer NXDOMAIN again. Whether anything is below takes one pass
// over every name, paid only when some name was emptied.
func (p *patcher) removeEmptied() error {
	z := p.z
	cand := map[string]NodeID{}
	for _, id := range p.emptied {
		for name := z.Name(id); len(name) > len(z.apex); name = parentOf(name) {
			pid := z.Find(name)
			if pid == NoNode || z.nodes[pid].rrsCount != 0 {
				break
			}
			cand[string(name)] = pid
		}
	}
	if len(cand) == 0 {
		p.markWildcards()
		return nil
	}
	kept := map[NodeID]bool{}
	for id := range z.nodes {
		name := z.Name(NodeID(id))
		if z.nodes[id].flags&Removed != 0 || z.nodes[id].rrsCount == 0 {
			continue
		}
		for a := parentOf(name); len(a) > len(z.apex); a = parentOf(a) {
			if cid, ok := cand[string(a)]; ok {
				kept[cid] = true
			}
		}
	}
	for name, id := range cand {
		if !kept[id] {
			z.removeNode(id)
			z.setWildcardMark([]byte(name), false)
		}
	}
	p.markWildcards()
	return nil
}

// markWildcards sets the parents' marks for touched "*" names that live.
func (p *patcher) markWildcards() {
	z := p.z
	for _, id := range append(slices.Clone(p.touched), p.created...) {
		if z.nodes[id].flags&Removed == 0 {
			z.setWildcardMark(z.Name(id), true)
		}
	}
}

func hashName(z *Zone, name []byte) uint64 { return maphash.Bytes(z.seed, name) }

// removeNode leaves a tombstone in the hash table and marks the node.
func (z *Zone) removeNode(id NodeID) {
	name := z.Name(id)
	mask := uint32(len(z.slots) - 1)
	for i := uint32(hashName(z, name)) & mask; z.slots[i] != emptySlot; i = (i + 1) & mask {
		if z.slots[i] == int32(id) {
			z.slots[i] = removedSlot
			break
		}
	}
	z.nodes[id].flags = Removed
	z.nodes[id].rrsCount = 0
}

// updateOcclusion recomputes what cuts and DNAMEs hide below the names
// whose cut or DNAME status changed.
func (p *patcher) updateOcclusion() error {
	z := p.z
	if len(p.structural) == 0 {
		return nil
	}
	for _, id := range p.occlusionCandidates() {
		if z.nodes[id].flags&Removed != 0 {
			continue
		}
		name := z.Name(id)
		for _, s := range p.structural {
			if len(name) > len(s) && IsBelowOrEqual(name, s) {
				z.nodes[id].flags &^= Occluded
				if z.hiddenByAncestor(name) {
					z.nodes[id].flags |= Occluded
				}
				break
			}
		}
	}
	return nil
}

// occlusionCandidates returns the names that can lie below a name whose cut
// or DNAME status changed. When every such name is new in this patch, so
// is everything below it (an existing name below would have made it exist
// as an empty non-terminal): the names created here. Otherwise, every name.
func (p *patcher) occlusionCandidates() []NodeID {
	created := map[string]bool{}
	for _, id := range p.created {
		created[string(p.z.Name(id))] = true
	}
	for _, s := range p.structural {
		if !created[string(s)] {
			all := make([]NodeID, len(p.z.nodes))
			for i := range all {
				all[i] = NodeID(i)
			}
			return all
		}
	}
	return p.created
}

// updateExtra relinks the glue of touched sets and, when a name gained or
// lost its addresses, of every set that names it.
func (p *patcher) updateExtra() error {
	z := p.z
	changed := map[string]bool{}
	for id, had := range p.hadAddress {
		if z.nodes[id].flags&Removed != 0 || z.hasAddress(id) != had {
			changed[string(z.Name(id))] = true
		}
	}
	for _, id := range p.created {
		if z.hasAddress(id) {
			changed[string(z.Name(id))] = true
		}
	}
	for _, id := range p.touched {
		n := &z.nodes[id]
		for i := n.rrsFirst; i < n.rrsFirst+uint32(n.rrsCount); i++ {
			z.linkExtraOf(&z.rrsets[i])
		}
	}
	if len(changed) == 0 {
		return nil
	}
	var lengths [256]bool // a cheap first filter: most targets are not changed
	for name := range changed {
		lengths[len(name)] = true
	}
	for id := range z.nodes {
		n := &z.nodes[id]
		for i := n.rrsFirst; i < n.rrsFirst+uint32(n.rrsCount); i++ {
			if rs := &z.rrsets[i]; extraSkip(rs.Type) >= 0 && z.namesAny(*rs, changed, &lengths) {
				z.linkExtraOf(rs)
			}
		}
	}
	return nil
}

// namesAny reports whether a set's rdata targets include a name in names;
// lengths marks the wire lengths of those names.
func (z *Zone) namesAny(rs RRSet, names map[string]bool, lengths *[256]bool) bool {
	skip := extraSkip(rs.Type)
	for rd := z.Rdata(rs); len(rd) >= 2; {
		l := int(u16(rd))
		if target := rd[2+skip : 2+l]; len(target) < 256 && lengths[len(target)] && names[string(target)] {
			return true
		}
		rd = rd[2+l:]
	}
	return false
}

// updateNSEC keeps the canonical list of NSEC owners in step.
func (p *patcher) updateNSEC() error {
	z := p.z
	has := func(id NodeID) bool {
		_, ok := z.RRSet(id, dns.TypeNSEC)
		return ok && z.nodes[id].flags&Removed == 0
	}
	now := false
	for _, id := range p.touched {
		now = now || has(id)
	}
	if !p.hadNSEC && !now {
		return nil
	}
	touched := map[NodeID]bool{}
	for _, id := range p.touched {
		touched[id] = true
	}
	list := slices.DeleteFunc(slices.Clone(z.nsec), func(id NodeID) bool { return touched[id] })
	for _, id := range p.touched {
		if !has(id) {
			continue
		}
		name := z.Name(id)
		i := sort.Search(len(list), func(i int) bool { return CompareCanonical(z.Name(list[i]), name) > 0 })
		list = slices.Insert(list, i, id)
	}
	z.nsec = list
	return nil
}

// updateNSEC3 keeps the NSEC3 chain in step; a change of parameters or a
// chain appearing or vanishing is left to a full rebuild.
func (p *patcher) updateNSEC3() error {
	z := p.z
	now := false
	for _, id := range p.touched {
		for _, rs := range z.RRSets(id) {
			now = now || rs.Type == dns.TypeNSEC3 || rs.Type == dns.TypeNSEC3PARAM
		}
	}
	if !p.hadNSEC3 && !now {
		return nil
	}
	if z.nsec3 == nil || p.paramsChanged() {
		return errRebuild
	}
	touched := map[NodeID]bool{}
	for _, id := range p.touched {
		touched[id] = true
	}
	c := *z.nsec3
	c.hashes, c.ids = nil, nil
	for i, id := range z.nsec3.ids {
		if !touched[id] {
			c.hashes = append(c.hashes, z.nsec3.hashes[i])
			c.ids = append(c.ids, id)
		}
	}
	for _, id := range p.touched {
		if z.nodes[id].flags&NSEC3Only == 0 {
			continue
		}
		name := z.Name(id)
		var h [sha1.Size]byte
		if n, err := base32Hex.Decode(h[:], bytes.ToUpper(name[1:1+name[0]])); err != nil || n != sha1.Size {
			return fmt.Errorf("zone %s: NSEC3 owner %s is not a base32hex SHA-1 hash", z.origin, presentation(name))
		}
		i := sort.Search(len(c.hashes), func(i int) bool { return bytes.Compare(c.hashes[i][:], h[:]) > 0 })
		c.hashes = slices.Insert(c.hashes, i, h)
		c.ids = slices.Insert(c.ids, i, id)
	}
	if len(c.ids) == 0 {
		return errRebuild
	}
	z.nsec3 = &c
	c.apexID, c.apexMatch = z.nsec3Search(z.NSEC3Hash(z.apex))
	return nil
}

func (p *patcher) paramsChanged() bool {
	for _, r := range append(slices.Clone(p.changes[string(p.old.apex)].del), p.changes[string(p.old.apex)].add...) {
		if r.rtype == dns.TypeNSEC3PARAM {
			return true
		}
	}
	return false
}

// checkTouched applies a build's semantic checks to the touched names and
// reads the new SOA.
func (p *patcher) checkTouched() error {
	z := p.z
	for _, id := range p.touched {
		if err := z.checkNode(id); err != nil {
			return fmt.Errorf("zone %s: %s: %w", z.origin, presentation(z.Name(id)), err)
		}
	}
	if _, ok := z.RRSet(0, dns.TypeNS); !ok {
		return fmt.Errorf("zone %s: no NS records at the apex", z.origin)
	}
	soa, _ := z.RRSet(0, dns.TypeSOA)
	rr, err := z.unpack(0, soa, z.Rdata(soa)[2:])
	if err != nil {
		return fmt.Errorf("zone %s: SOA: %w", z.origin, err)
	}
	z.soa = *rr.(*dns.SOA)
	z.serial = z.soa.Serial
	return nil
}
