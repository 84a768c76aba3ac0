package zone

import (
	"fmt"

	"github.com/miekg/dns"
)

// Patch builds the snapshot that follows old once the records in deleted
// are removed and those in added are added, as an IXFR delta says (RFC 1995:
// deletions match owner, type and rdata, not TTL). The new SOA must be among
// added. old is left untouched and keeps being served until the caller
// publishes the result.
//
// A small change is applied in place to copies of old's arrays, so it costs
// little more than copying them (patchInPlace); what that cannot handle (a
// full hash table, a new NSEC3 chain, many names turned empty) is rebuilt
// from old's records in their stored wire form (rebuildPatch).
func Patch(old *Zone, deleted, added []dns.RR) (*Zone, error) {
	z, err := patchInPlace(old, deleted, added)
	if err == errRebuild {
		return rebuildPatch(old, deleted, added)
	}
	return z, err
}

// rebuildPatch applies a delta by building a new snapshot from old's stored
// records, without parsing them again.
func rebuildPatch(old *Zone, deleted, added []dns.RR) (*Zone, error) {
	b, err := newBuilder(old.origin, len(old.slots)/2)
	if err != nil {
		return nil, err
	}
	b.recs = make([]brec, 0, old.count+len(added))
	b.data = make([]byte, 0, len(old.rdata)+64*len(added))
	b.nodes = append(make([]bnode, 0, len(old.nodes)+len(added)), b.nodes...)
	b.names = append(make([]byte, 0, len(old.names)+64*len(added)), b.names...)
	gone, touched, err := b.deletionSet(deleted)
	if err != nil {
		return nil, err
	}
	if err := b.copyKept(old, gone, touched); err != nil {
		return nil, err
	}
	for _, rr := range added {
		if err := b.add(rr); err != nil {
			return nil, err
		}
	}
	return b.result(old.origin)
}

// deletionSet keys every deleted record by owner, type and rdata, and notes
// the owners they touch so the copy only looks records up at those.
func (b *builder) deletionSet(deleted []dns.RR) (gone map[string]int, touched map[string]bool, err error) {
	gone = make(map[string]int, len(deleted))
	touched = make(map[string]bool, len(deleted))
	for _, rr := range deleted {
		if rr.Header().Rrtype == dns.TypeSOA {
			continue // the SOA is always replaced
		}
		owner, rdata, err := b.wire(rr)
		if err != nil {
			return nil, nil, err
		}
		gone[recordKey(owner, rr.Header().Rrtype, rdata)]++
		touched[string(owner)] = true
	}
	return gone, touched, nil
}

func recordKey(owner []byte, rtype uint16, rdata []byte) string {
	k := make([]byte, 0, len(owner)+2+len(rdata))
	k = append(k, owner...)
	k = append(k, byte(rtype>>8), byte(rtype))
	return string(append(k, rdata...))
}

// copyKept copies every record of old but the apex SOA and the deleted
// ones. Deleting a record that is not there is an error: the delta does not
// apply to this version, and the caller must transfer the whole zone.
func (b *builder) copyKept(old *Zone, gone map[string]int, touched map[string]bool) error {
	for id := range old.nodes {
		name := old.Name(NodeID(id))
		check := touched[string(name)]
		var nid int32 = -1
		for _, rs := range old.RRSets(NodeID(id)) {
			if id == 0 && rs.Type == dns.TypeSOA {
				continue
			}
			for rd := old.Rdata(rs); len(rd) >= 2; {
				l := int(u16(rd))
				data := rd[2 : 2+l]
				rd = rd[2+l:]
				if check {
					k := recordKey(name, rs.Type, data)
					if gone[k] > 0 {
						gone[k]--
						continue
					}
				}
				if nid < 0 {
					nid = b.insert(name)
				}
				b.addRecord(nid, rs.Type, rs.TTL, data)
			}
		}
	}
	if n := sumCounts(gone); n != 0 {
		return fmt.Errorf("zone %s: the delta deletes %d records that are not in serial %d", old.origin, n, old.serial)
	}
	return nil
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}
