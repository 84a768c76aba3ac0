package zone

// WireBytes is the size of every record of the snapshot in uncompressed
// wire form (owner, type, class, TTL, length, rdata), what an AXFR of the
// zone carries before name compression. It walks the sets, not the
// records, and allocates nothing: the hub's gate bounds each client's zones
// by it on every version.
func (z *Zone) WireBytes() int64 {
	var n int64
	for id := range z.nodes {
		name := int64(z.nodes[id].nameLen)
		for _, rs := range z.RRSets(NodeID(id)) {
			// Rdata holds Count times [2-byte length][rdata]; a record adds
			// its owner and type, class and TTL (8 bytes) to that.
			n += int64(rs.Count)*(name+8) + int64(rs.size)
		}
	}
	return n
}
