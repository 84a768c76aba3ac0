package authserver

import (
	"encoding/binary"
	"errors"
)

// query is a parsed request. Parsing copies nothing but the lower-cased name
// into the struct's own array, so a worker reuses one query for every packet.
type query struct {
	raw     []byte // the request as received; valid only while handling it
	id      uint16
	flags   uint16 // request header flags word
	opcode  uint8
	qEnd    int // offset just past the question
	qtype   uint16
	qclass  uint16
	lname   [255]byte // question name, lower-cased, uncompressed wire form
	nameLen int
	loffs   [128]uint8 // label start offsets in lname, root included
	nlabels int        // number of entries in loffs (labels + 1 for the root)

	edns      bool
	ednsVer   uint8
	udpSize   uint16
	do        bool
	nsid      bool
	tsig      bool // a TSIG record closes the request
	tsigStart int  // offset of the TSIG record in raw
}

// Header flag bits (RFC 1035 4.1.1, RFC 4035 for AD/CD).
const (
	flagQR = 1 << 15
	flagAA = 1 << 10
	flagTC = 1 << 9
	flagRD = 1 << 8
	flagCD = 1 << 4
)

// Why a request could not be parsed, which decides the reaction: drop
// (nothing sensible to answer) or FORMERR.
var (
	errDrop       = errors.New("drop")
	errFormat     = errors.New("format error")
	errQuestion   = errors.New("bad question")
	errTwoOPT     = errors.New("more than one OPT record")
	errNotRequest = errors.New("not a request")
)

const (
	typeOPT  = 41
	typeTSIG = 250
)

// parse fills q from a request. It returns errDrop for what must not be
// answered, and errFormat/errQuestion/errTwoOPT for FORMERR.
func (q *query) parse(msg []byte) error {
	q.raw = msg
	q.edns, q.do, q.nsid, q.tsig = false, false, false, false
	q.ednsVer, q.udpSize, q.qEnd, q.nlabels = 0, 0, 0, 0
	if len(msg) < 12 {
		return errDrop
	}
	q.id = binary.BigEndian.Uint16(msg)
	q.flags = binary.BigEndian.Uint16(msg[2:])
	q.opcode = uint8(q.flags>>11) & 0xF
	if q.flags&flagQR != 0 {
		return errNotRequest
	}
	qd := binary.BigEndian.Uint16(msg[4:])
	an := binary.BigEndian.Uint16(msg[6:])
	ns := binary.BigEndian.Uint16(msg[8:])
	ar := binary.BigEndian.Uint16(msg[10:])
	if qd != 1 {
		return errFormat
	}
	off, err := q.parseQuestion(msg, 12)
	if err != nil {
		return err
	}
	q.qEnd = off
	for i := 0; i < int(an)+int(ns); i++ {
		var rdOff int
		if off, rdOff, err = skipRR(msg, off); err != nil {
			return errFormat
		}
		// OPT and TSIG belong in the additional section only (RFC 6891
		// 6.1.1, RFC 8945 5.1): elsewhere the request is malformed, and
		// Knot DNS answers FORMERR rather than the question.
		if t := binary.BigEndian.Uint16(msg[rdOff-10:]); t == typeOPT || t == typeTSIG {
			return errFormat
		}
	}
	for i := 0; i < int(ar); i++ {
		if off, err = q.parseAdditional(msg, off, i == int(ar)-1); err != nil {
			return err
		}
	}
	if off != len(msg) {
		return errFormat
	}
	return nil
}

// parseQuestion reads the question name (no compression allowed there),
// type and class.
func (q *query) parseQuestion(msg []byte, off int) (int, error) {
	n := 0
	for {
		if off >= len(msg) {
			return 0, errQuestion
		}
		l := int(msg[off])
		if l&0xC0 != 0 {
			return 0, errQuestion
		}
		if n+l+1 > 255 || off+l+1 > len(msg) || q.nlabels >= len(q.loffs) {
			return 0, errQuestion
		}
		q.loffs[q.nlabels] = uint8(n)
		q.nlabels++
		q.lname[n] = byte(l)
		for i := 1; i <= l; i++ {
			c := msg[off+i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			q.lname[n+i] = c
		}
		n += l + 1
		off += l + 1
		if l == 0 {
			break
		}
	}
	if off+4 > len(msg) {
		return 0, errQuestion
	}
	q.nameLen = n
	q.qtype = binary.BigEndian.Uint16(msg[off:])
	q.qclass = binary.BigEndian.Uint16(msg[off+2:])
	return off + 4, nil
}

// parseAdditional reads one additional record, noting OPT and TSIG.
func (q *query) parseAdditional(msg []byte, off int, last bool) (int, error) {
	start := off
	next, rdOff, err := skipRR(msg, off)
	if err != nil {
		return 0, errFormat
	}
	nameEnd := rdOff - 10
	rtype := binary.BigEndian.Uint16(msg[nameEnd:])
	switch rtype {
	case typeOPT:
		if q.edns {
			return 0, errTwoOPT
		}
		if nameEnd != start+1 || msg[start] != 0 {
			return 0, errFormat // OPT must be owned by the root
		}
		q.edns = true
		q.udpSize = binary.BigEndian.Uint16(msg[nameEnd+2:])
		q.ednsVer = msg[nameEnd+5]
		q.do = msg[nameEnd+6]&0x80 != 0
		if err := q.parseOptions(msg[rdOff:next]); err != nil {
			return 0, err
		}
	case typeTSIG:
		if !last {
			return 0, errFormat // TSIG must be the last record (RFC 8945 5.1)
		}
		q.tsig = true
		q.tsigStart = start
	}
	return next, nil
}

// parseOptions looks for NSID among the EDNS options; others are ignored.
func (q *query) parseOptions(opts []byte) error {
	for len(opts) > 0 {
		if len(opts) < 4 {
			return errFormat
		}
		code := binary.BigEndian.Uint16(opts)
		l := int(binary.BigEndian.Uint16(opts[2:]))
		if 4+l > len(opts) {
			return errFormat
		}
		if code == 3 { // NSID, RFC 5001
			q.nsid = true
		}
		opts = opts[4+l:]
	}
	return nil
}

// skipRR steps over one resource record, returning the offset after it and
// the offset of its rdata.
func skipRR(msg []byte, off int) (next, rdata int, err error) {
	off, err = skipName(msg, off)
	if err != nil || off+10 > len(msg) {
		return 0, 0, errFormat
	}
	rdlen := int(binary.BigEndian.Uint16(msg[off+8:]))
	rdata = off + 10
	if rdata+rdlen > len(msg) {
		return 0, 0, errFormat
	}
	return rdata + rdlen, rdata, nil
}

// skipName steps over a possibly compressed name without following pointers.
func skipName(msg []byte, off int) (int, error) {
	for n := 0; n < 128; n++ {
		if off >= len(msg) {
			return 0, errFormat
		}
		l := int(msg[off])
		switch {
		case l == 0:
			return off + 1, nil
		case l&0xC0 == 0xC0:
			if off+2 > len(msg) {
				return 0, errFormat
			}
			return off + 2, nil
		case l&0xC0 != 0:
			return 0, errFormat
		}
		off += l + 1
	}
	return 0, errFormat
}

// name returns the lower-cased question name.
func (q *query) name() []byte { return q.lname[:q.nameLen] }

// suffix returns the lower-cased question name from label i on.
func (q *query) suffix(i int) []byte { return q.lname[q.loffs[i]:q.nameLen] }
