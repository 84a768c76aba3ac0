package authserver

import (
	"encoding/binary"
)

// maxCompress bounds the compression table; names past it are written in
// full, which is still correct.
const maxCompress = 64

// compEntry remembers a label start already in the message and the length of
// the (uncompressed) name from there, a cheap filter before comparing bytes.
type compEntry struct {
	off uint16
	len uint8
}

// writer builds a response in a reusable buffer, compressing names against
// those already written (RFC 1035 4.1.4) and refusing to exceed a size limit
// so the caller can truncate on RRSet boundaries.
type writer struct {
	buf        []byte
	limit      int
	an, ns, ar uint16
	comp       [maxCompress]compEntry
	ncomp      int
}

// mark is a point to roll back to when an RRSet does not fit.
type mark struct {
	n, ncomp int
}

func (w *writer) mark() mark { return mark{len(w.buf), w.ncomp} }

func (w *writer) rollback(m mark) {
	w.buf = w.buf[:m.n]
	w.ncomp = m.ncomp
}

func (w *writer) fits() bool { return len(w.buf) <= w.limit }

// reset starts a response: header space and the question copied from the
// request as it came (preserving the client's letter case), and registers
// the question name for compression.
func (w *writer) reset(q *query, limit int) {
	w.buf = append(w.buf[:0], q.raw[:q.qEnd]...)
	w.limit = limit
	w.an, w.ns, w.ar = 0, 0, 0
	w.ncomp = 0
	for i := 0; i < q.nlabels-1; i++ {
		w.addComp(12+int(q.loffs[i]), q.nameLen-int(q.loffs[i]))
	}
}

func (w *writer) addComp(off, length int) {
	if off < 0x4000 && w.ncomp < maxCompress {
		w.comp[w.ncomp] = compEntry{uint16(off), uint8(length)}
		w.ncomp++
	}
}

// writeName appends a lower-case uncompressed wire name, compressed.
func (w *writer) writeName(name []byte) {
	for i := 0; i < len(name) && name[i] != 0; i += int(name[i]) + 1 {
		if ptr, ok := w.findSuffix(name[i:]); ok {
			w.addLabels(name[:i], len(name)-i)
			w.buf = append(w.buf, byte(0xC0|ptr>>8), byte(ptr))
			return
		}
	}
	w.addLabels(name[:len(name)-1], 1)
	w.buf = append(w.buf, 0)
}

// addLabels appends the labels in prefix and registers each as a
// compression target; tail is the length of what follows them.
func (w *writer) addLabels(prefix []byte, tail int) {
	for i := 0; i < len(prefix); i += int(prefix[i]) + 1 {
		w.addComp(len(w.buf)+i, len(prefix)-i+tail)
	}
	w.buf = append(w.buf, prefix...)
}

func (w *writer) findSuffix(suffix []byte) (int, bool) {
	for i := 0; i < w.ncomp; i++ {
		e := w.comp[i]
		if int(e.len) == len(suffix) && nameAtEquals(w.buf, int(e.off), suffix) {
			return int(e.off), true
		}
	}
	return 0, false
}

// nameAtEquals compares the name at off in msg (following pointers) with a
// lower-case wire name, ignoring ASCII case.
func nameAtEquals(msg []byte, off int, name []byte) bool {
	j := 0
	for hops := 0; hops < 64; {
		l := int(msg[off])
		if l&0xC0 == 0xC0 {
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3FFF)
			hops++
			continue
		}
		if j >= len(name) || int(name[j]) != l {
			return false
		}
		if l == 0 {
			return true
		}
		for k := 1; k <= l; k++ {
			c := msg[off+k]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != name[j+k] {
				return false
			}
		}
		off += l + 1
		j += l + 1
	}
	return false
}

// header appends type, class, TTL and a length placeholder, returning the
// placeholder's offset.
func (w *writer) header(rtype, class uint16, ttl uint32) int {
	w.buf = binary.BigEndian.AppendUint16(w.buf, rtype)
	w.buf = binary.BigEndian.AppendUint16(w.buf, class)
	w.buf = binary.BigEndian.AppendUint32(w.buf, ttl)
	w.buf = append(w.buf, 0, 0)
	return len(w.buf) - 2
}

// closeRdata fills the length placeholder at at with what was written since.
func (w *writer) closeRdata(at int) {
	binary.BigEndian.PutUint16(w.buf[at:], uint16(len(w.buf)-at-2))
}

// finish writes the header counts and flags.
func (w *writer) finish(id, flags uint16, rcode int) []byte {
	b := w.buf
	binary.BigEndian.PutUint16(b[0:], id)
	binary.BigEndian.PutUint16(b[2:], flags|uint16(rcode&0xF))
	binary.BigEndian.PutUint16(b[4:], 1)
	binary.BigEndian.PutUint16(b[6:], w.an)
	binary.BigEndian.PutUint16(b[8:], w.ns)
	binary.BigEndian.PutUint16(b[10:], w.ar)
	return b
}
