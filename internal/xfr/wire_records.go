package xfr

import (
	"encoding/binary"
	"errors"

	"github.com/miekg/dns"
)

// Reading the records of a transfer message in place, for a receiver that
// builds its snapshot from wire form (zone.Receiver): names are
// decompressed into scratch space and the rdata of the types a ccTLD zone
// is made of is taken as it is. Any record this code does not read by its
// type, or whose rdata is not exactly what its type says, is flagged for
// miekg/dns to unpack, so nothing here decides on a format miekg would read
// differently.

var errNameLoop = errors.New("name compression loop")

// maxPointers is miekg's bound on the compression pointers of one name.
const maxPointers = (255+1)/2 - 2

// wireRecord is one record of a message. owner and rdata are valid until
// the next record is read.
type wireRecord struct {
	owner []byte // uncompressed
	rtype uint16
	class uint16
	ttl   uint32
	rdata []byte // uncompressed
	start int    // offset of the record in the message
	// unpack says the rdata was not read: unpack the record at start with
	// miekg/dns.
	unpack bool
}

// wireReader reads the records of one section after another.
type wireReader struct {
	msg   []byte
	off   int
	owner []byte
	rdata []byte
}

// reset points r at msg's answer section and returns its record count.
func (r *wireReader) reset(msg []byte) (answers int, err error) {
	if len(msg) < 12 {
		return 0, errMalformed
	}
	r.msg, r.off = msg, 12
	for range int(binary.BigEndian.Uint16(msg[4:])) {
		if r.off, err = skipName(msg, r.off); err != nil {
			return 0, err
		}
		if r.off += 4; r.off > len(msg) {
			return 0, errMalformed
		}
	}
	return int(binary.BigEndian.Uint16(msg[6:])), nil
}

// next reads the record at the current offset.
func (r *wireReader) next() (wireRecord, error) {
	rec := wireRecord{start: r.off}
	var off int
	var err error
	if r.owner, off, err = readName(r.msg, r.off, r.owner[:0]); err != nil {
		return rec, err
	}
	if off+10 > len(r.msg) {
		return rec, errMalformed
	}
	rec.owner = r.owner
	rec.rtype = binary.BigEndian.Uint16(r.msg[off:])
	rec.class = binary.BigEndian.Uint16(r.msg[off+2:])
	rec.ttl = binary.BigEndian.Uint32(r.msg[off+4:])
	start := off + 10
	end := start + int(binary.BigEndian.Uint16(r.msg[off+8:]))
	if end > len(r.msg) {
		return rec, errMalformed
	}
	r.off = end
	rec.rdata, rec.unpack = r.readRdata(rec.rtype, start, end)
	return rec, nil
}

// readRdata returns the uncompressed rdata of a record of type rtype at
// msg[start:end], or unpack=true when miekg is to read it.
func (r *wireReader) readRdata(rtype uint16, start, end int) (rdata []byte, unpack bool) {
	raw := r.msg[start:end]
	switch rtype {
	case dns.TypeA:
		return raw, len(raw) != 4
	case dns.TypeAAAA:
		return raw, len(raw) != 16
	case dns.TypeDS, dns.TypeCDS:
		return raw, len(raw) < 4
	case dns.TypeDNSKEY, dns.TypeCDNSKEY:
		return raw, len(raw) < 4
	case dns.TypeRRSIG:
		// The signer's name is never compressed (RFC 4034 section 3.1.7).
		return raw, len(raw) < 18 || plainNameEnd(raw, 18) < 0
	case dns.TypeNSEC:
		// Nor is the next owner name (RFC 4034 section 4.1.1).
		n := plainNameEnd(raw, 0)
		return raw, n < 0 || !typeBitmapOK(raw[n:])
	case dns.TypeNSEC3:
		return raw, !nsec3OK(raw)
	case dns.TypeNSEC3PARAM:
		return raw, len(raw) < 5 || len(raw) != 5+int(raw[4])
	case dns.TypeTXT:
		return raw, !textOK(raw)
	case dns.TypeNS, dns.TypeCNAME, dns.TypePTR, dns.TypeDNAME:
		return r.names(start, end, 0, 1, 0)
	case dns.TypeMX:
		return r.names(start, end, 2, 1, 0)
	case dns.TypeSOA:
		return r.names(start, end, 0, 2, 20)
	}
	return nil, true
}

// names decompresses rdata made of a fixed prefix of pre bytes, count
// names, then exactly post bytes.
func (r *wireReader) names(start, end, pre, count, post int) ([]byte, bool) {
	if end-start < pre {
		return nil, true
	}
	out := append(r.rdata[:0], r.msg[start:start+pre]...)
	off := start + pre
	var err error
	for range count {
		// A name must start inside the rdata; its pointers may lead to
		// any earlier part of the message.
		if off >= end {
			return nil, true
		}
		if out, off, err = readName(r.msg[:end], off, out); err != nil {
			return nil, true
		}
	}
	if end-off != post {
		return nil, true
	}
	out = append(out, r.msg[off:end]...)
	r.rdata = out
	return out, false
}

// readName appends the name at msg[off:] to dst, uncompressed, and returns
// the offset after it in place.
func readName(msg []byte, off int, dst []byte) ([]byte, int, error) {
	start, next, pointers := len(dst), -1, 0
	for {
		if off >= len(msg) {
			return nil, 0, errMalformed
		}
		c := int(msg[off])
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				dst = append(dst, 0)
				if next < 0 {
					next = off + 1
				}
				return dst, next, nil
			}
			if off+1+c > len(msg) {
				return nil, 0, errMalformed
			}
			dst = append(dst, msg[off:off+1+c]...)
			if len(dst)-start+1 > 255 {
				return nil, 0, errMalformed // too long with the root label
			}
			off += 1 + c
		case 0xC0:
			if off+2 > len(msg) {
				return nil, 0, errMalformed
			}
			if next < 0 {
				next = off + 2
			}
			if pointers++; pointers > maxPointers {
				return nil, 0, errNameLoop
			}
			off = (c&0x3F)<<8 | int(msg[off+1])
		default:
			return nil, 0, errMalformed
		}
	}
}

// plainNameEnd returns the offset after the uncompressed name at b[off:],
// or -1 when it is not one.
func plainNameEnd(b []byte, off int) int {
	for off < len(b) {
		c := int(b[off])
		if c == 0 {
			return off + 1
		}
		if c&0xC0 != 0 {
			return -1
		}
		off += 1 + c
	}
	return -1
}

// typeBitmapOK checks an NSEC or NSEC3 type bitmap as miekg reads it
// (windows in increasing order, 1 to 32 bytes each), and in the form miekg
// would write it back (no trailing zero byte in a window).
func typeBitmapOK(b []byte) bool {
	last := -1
	for len(b) > 0 {
		if len(b) < 2 {
			return false
		}
		window, n := int(b[0]), int(b[1])
		if window <= last || n == 0 || n > 32 || 2+n > len(b) || b[1+n] == 0 {
			return false
		}
		last = window
		b = b[2+n:]
	}
	return true
}

// nsec3OK checks the layout of NSEC3 rdata (RFC 5155 section 3.2).
func nsec3OK(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	off := 5 + int(b[4]) // hash algorithm, flags, iterations, salt
	if off >= len(b) {
		return false
	}
	hash := int(b[off])
	off++
	if hash == 0 || off+hash > len(b) {
		return false
	}
	return typeBitmapOK(b[off+hash:])
}

// textOK checks that b is a sequence of character strings, at least one.
func textOK(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		n := 1 + int(b[0])
		if n > len(b) {
			return false
		}
		b = b[n:]
	}
	return true
}
