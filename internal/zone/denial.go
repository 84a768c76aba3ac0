package zone

import (
	"bytes"
	"crypto/sha1"
	"encoding/base32"
	"fmt"
	"sort"

	"github.com/miekg/dns"
)

// NSEC3Only marks a node that holds only NSEC3 records and their signatures:
// such names are answered as if they did not exist (RFC 5155 7.2.8).
const NSEC3Only Flags = 1 << 7

// nsec3Chain is the zone's NSEC3 chain sorted by hash, with the parameters
// needed to hash query names the same way.
type nsec3Chain struct {
	iterations uint16
	salt       []byte
	hashes     [][sha1.Size]byte
	ids        []NodeID
	apexID     NodeID // the apex's NSEC3, asked for by nearly every proof
	apexMatch  bool
}

var base32Hex = base32.HexEncoding.WithPadding(base32.NoPadding)

// buildDenial collects the NSEC owners in canonical order and the NSEC3 chain.
func (z *Zone) buildDenial() error {
	for id := range z.nodes {
		if _, ok := z.RRSet(NodeID(id), dns.TypeNSEC); ok {
			z.nsec = append(z.nsec, NodeID(id))
		}
	}
	sort.Slice(z.nsec, func(i, j int) bool {
		return CompareCanonical(z.Name(z.nsec[i]), z.Name(z.nsec[j])) < 0
	})
	return z.buildNSEC3()
}

func (z *Zone) buildNSEC3() error {
	params, ok := z.RRSet(0, dns.TypeNSEC3PARAM)
	if !ok {
		return nil
	}
	rd := z.Rdata(params)[2:]
	if len(rd) < 5 || rd[0] != dns.SHA1 {
		return fmt.Errorf("zone %s: NSEC3PARAM with an unsupported hash algorithm", z.origin)
	}
	c := &nsec3Chain{iterations: u16(rd[2:]), salt: append([]byte(nil), rd[5:5+int(rd[4])]...)}
	type entry struct {
		h  [sha1.Size]byte
		id NodeID
	}
	var entries []entry
	for id := range z.nodes {
		if !z.onlyNSEC3(NodeID(id)) {
			continue
		}
		z.nodes[id].flags |= NSEC3Only
		name := z.Name(NodeID(id))
		var e entry
		if n, err := base32Hex.Decode(e.h[:], bytes.ToUpper(name[1:1+name[0]])); err != nil || n != sha1.Size {
			return fmt.Errorf("zone %s: NSEC3 owner %s is not a base32hex SHA-1 hash", z.origin, presentation(name))
		}
		e.id = NodeID(id)
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i].h[:], entries[j].h[:]) < 0 })
	for _, e := range entries {
		c.hashes = append(c.hashes, e.h)
		c.ids = append(c.ids, e.id)
	}
	if len(c.ids) == 0 {
		return fmt.Errorf("zone %s: NSEC3PARAM present but no NSEC3 records", z.origin)
	}
	z.nsec3 = c
	c.apexID, c.apexMatch = z.nsec3Search(z.NSEC3Hash(z.apex))
	return nil
}

// onlyNSEC3 reports whether a node holds NSEC3 and nothing but its RRSIGs.
func (z *Zone) onlyNSEC3(id NodeID) bool {
	sets := z.RRSets(id)
	has := false
	for _, rs := range sets {
		switch {
		case rs.Type == dns.TypeNSEC3:
			has = true
		case rs.Type == dns.TypeRRSIG && rs.Covers == dns.TypeNSEC3:
		default:
			return false
		}
	}
	return has
}

// NSECCovering returns the NSEC owner that matches or covers name: the last
// owner at or before it in canonical order.
func (z *Zone) NSECCovering(name []byte) NodeID {
	if len(z.nsec) == 0 {
		return NoNode
	}
	i := sort.Search(len(z.nsec), func(i int) bool {
		return CompareCanonical(z.Name(z.nsec[i]), name) > 0
	})
	if i == 0 {
		return z.nsec[len(z.nsec)-1]
	}
	return z.nsec[i-1]
}

// NSEC3Hash hashes a lower-case wire name with the zone's NSEC3 parameters.
func (z *Zone) NSEC3Hash(name []byte) [sha1.Size]byte {
	c := z.nsec3
	var buf [255 + 255]byte
	in := append(append(buf[:0], name...), c.salt...)
	h := sha1.Sum(in)
	for i := uint16(0); i < c.iterations; i++ {
		in = append(append(buf[:0], h[:]...), c.salt...)
		h = sha1.Sum(in)
	}
	return h
}

// NSEC3Find returns the NSEC3 node whose hash matches name's hash exactly
// (match=true), or else the one that covers it.
func (z *Zone) NSEC3Find(name []byte) (id NodeID, match bool) {
	if len(name) == len(z.apex) {
		return z.nsec3.apexID, z.nsec3.apexMatch // the only name in the zone this long
	}
	return z.nsec3Search(z.NSEC3Hash(name))
}

func (z *Zone) nsec3Search(h [sha1.Size]byte) (NodeID, bool) {
	c := z.nsec3
	i := sort.Search(len(c.hashes), func(i int) bool { return bytes.Compare(c.hashes[i][:], h[:]) > 0 })
	if i > 0 && c.hashes[i-1] == h {
		return c.ids[i-1], true
	}
	if i == 0 {
		return c.ids[len(c.ids)-1], false
	}
	return c.ids[i-1], false
}
