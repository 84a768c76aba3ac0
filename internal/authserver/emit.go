package authserver

import (
	"encoding/binary"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// emit writes the queued sections into w, in order, stopping at the first
// RRSet of the answer or authority that does not fit (TC, RFC 2181 9) and
// setting TC when required glue does not fit (RFC 9471).
func (r *response) emit(w *writer) (tc bool) {
	for i := 0; i < r.nanswer; i++ {
		if !w.putItem(r.z, &r.answer[i]) {
			return true
		}
		w.an += uint16(r.answer[i].count())
	}
	for i := 0; i < r.nauthority; i++ {
		if !w.putItem(r.z, &r.authority[i]) {
			return true
		}
		w.ns += uint16(r.authority[i].count())
	}
	for i := 0; i < r.nadditonal; i++ {
		it := &r.additional[i]
		if !w.putItem(r.z, it) {
			if it.required {
				return true
			}
			continue // optional data that does not fit is left out
		}
		w.ar += uint16(it.count())
	}
	return false
}

func (it *item) count() int {
	if it.synth != nil {
		return 1
	}
	return int(it.rs.Count)
}

// putItem writes one queued RRSet whole, or nothing.
func (w *writer) putItem(z *zone.Zone, it *item) bool {
	m := w.mark()
	ttl := it.rs.TTL
	if it.ttlSet {
		ttl = it.ttl
	}
	if it.synth != nil {
		w.writeName(it.owner)
		at := w.header(dns.TypeCNAME, dns.ClassINET, ttl)
		w.writeName(it.synth)
		w.closeRdata(at)
	} else {
		for rd := z.Rdata(it.rs); len(rd) >= 2; {
			l := int(binary.BigEndian.Uint16(rd))
			w.writeName(it.owner)
			at := w.header(it.rs.Type, dns.ClassINET, ttl)
			w.writeRdata(it.rs.Type, rd[2:2+l])
			w.closeRdata(at)
			rd = rd[2+l:]
		}
	}
	if !w.fits() {
		w.rollback(m)
		return false
	}
	return true
}

// writeRdata copies rdata, compressing the names of the RFC 1035 types
// whose rdata names may be compressed (RFC 3597 4).
func (w *writer) writeRdata(rtype uint16, rd []byte) {
	switch rtype {
	case dns.TypeNS, dns.TypeCNAME, dns.TypePTR:
		w.writeName(rd)
	case dns.TypeMX:
		w.buf = append(w.buf, rd[:2]...)
		w.writeName(rd[2:])
	case dns.TypeSOA:
		n := wireNameLen(rd)
		w.writeName(rd[:n])
		m := wireNameLen(rd[n:])
		w.writeName(rd[n : n+m])
		w.buf = append(w.buf, rd[n+m:]...)
	default:
		w.buf = append(w.buf, rd...)
	}
}

func wireNameLen(b []byte) int {
	i := 0
	for i < len(b) && b[i] != 0 {
		i += int(b[i]) + 1
	}
	return i + 1
}
