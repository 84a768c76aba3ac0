package authserver

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/miekg/dns"
)

const (
	opcodeQuery  = 0
	opcodeNotify = 4
	maxTCPSize   = 65535
	minUDPSize   = 512
)

// handler answers one request at a time with buffers it keeps between
// requests; every listener goroutine owns one, so none is shared.
type handler struct {
	s *Server
	q query
	r response
	w writer

	rrlClass int    // response class for rate limiting, 0: not limited
	rrlName  []byte // the name the limit is counted against

	stats    *handlerStats
	zoneIdx  int // statistics number of the zone answered from, 0: none
	extRcode int // upper bits of the response's rcode (EDNS)
	ede      int // Extended DNS Error to send (RFC 8914), -1: none
}

// Extended DNS Error codes sent (RFC 8914 4).
const (
	edeNone             = -1
	edeNotAuthoritative = 20
)

// slipResponse is what rate limiting sends instead of a limited response:
// truncated and empty, so a real client retries over TCP (RFC 7766).
func (h *handler) slipResponse(limit int) []byte {
	h.w.reset(&h.q, limit)
	h.writeOPT(0)
	return h.w.finish(h.q.id, h.responseFlags(false, true), 0)
}

// newHandler makes a handler with counters of its own.
func newHandler(s *Server) *handler {
	hs := new(handlerStats)
	s.stats.register(hs)
	return newHandlerSharing(s, hs)
}

// newHandlerSharing makes a handler that counts into hs, shared with other
// handlers (TCP connections come and go; their counters must not).
func newHandlerSharing(s *Server, hs *handlerStats) *handler {
	h := &handler{s: s, stats: hs}
	h.w.buf = make([]byte, 0, maxTCPSize+512)
	return h
}

// handle returns the response to msg, or nil when nothing must be sent. The
// returned slice is valid until the next call.
func (h *handler) handle(msg []byte, src netip.AddrPort, udp bool) []byte {
	q := &h.q
	if err := q.parse(msg); err != nil {
		return h.parseError(msg, err)
	}
	limit := maxTCPSize
	if udp {
		limit = h.udpLimit()
	}
	h.zoneIdx, h.extRcode, h.ede = 0, 0, edeNone
	out := h.respond(msg, src, limit)
	if udp && h.s.rrl != nil && out != nil && h.rrlClass != 0 {
		switch h.s.rrl.check(src.Addr(), h.rrlClass, h.rrlName) {
		case rrlDrop:
			return nil
		case rrlSlip:
			out = h.slipResponse(limit)
		}
	}
	if out != nil && !h.s.cfg.NoStats {
		h.count(out, udp, src.Addr().Is6() && !src.Addr().Is4In6())
	}
	return out
}

// respond builds the response to a parsed request and notes its rate
// limiting class and name.
func (h *handler) respond(msg []byte, src netip.AddrPort, limit int) []byte {
	q := &h.q
	h.rrlClass, h.rrlName = rrlError, q.name()
	switch {
	case q.opcode == opcodeNotify && h.s.cfg.Notify == nil:
		// No one here takes NOTIFY: answered as Knot DNS answers a NOTIFY no
		// ACL allows, NOTAUTH with the question and the OPT record.
		return h.errorResponse(limit, dns.RcodeNotAuth)
	case q.opcode == opcodeNotify || q.tsig:
		h.rrlClass = 0 // transfers' control traffic is not rate limited
		return h.slowPath(msg, src)
	case q.opcode != opcodeQuery:
		return h.bareResponse(dns.RcodeNotImplemented)
	case q.edns && q.ednsVer != 0:
		return h.errorResponse(limit, dns.RcodeBadVers)
	}
	switch q.qclass {
	case dns.ClassINET, dns.ClassANY: // class ANY is answered from IN data, as Knot does
	case dns.ClassCHAOS:
		return h.chaos(limit)
	default:
		return h.errorResponse(limit, dns.RcodeRefused)
	}
	if q.qtype == dns.TypeAXFR || q.qtype == dns.TypeIXFR {
		return h.errorResponse(limit, dns.RcodeRefused) // transfers belong to the hub
	}
	return h.answer(limit)
}

// udpLimit is the response size allowed over UDP: the client's EDNS buffer
// size capped by ours, and never below 512 (RFC 6891 6.2.5).
func (h *handler) udpLimit() int {
	if !h.q.edns {
		return minUDPSize
	}
	return max(minUDPSize, min(int(h.q.udpSize), int(h.s.cfg.MaxUDPSize)))
}

// answer resolves a standard IN query from the served zones.
func (h *handler) answer(limit int) []byte {
	q := &h.q
	e := h.s.zones.Load().find(q)
	if e == nil {
		h.ede = edeNotAuthoritative
		return h.errorResponse(limit, dns.RcodeRefused)
	}
	h.zoneIdx = e.statIdx
	if e.expired.Load() {
		return h.errorResponse(limit, dns.RcodeServerFailure)
	}
	r := &h.r
	r.reset(q, e.z)
	r.resolve(q.name(), q.loffs[:q.nlabels], 0)
	h.w.reset(q, limit-h.optSize())
	tc := r.emit(&h.w)
	h.rrlClass, h.rrlName = r.rrlClassify(h.w.an)
	flags := h.responseFlags(r.aa, tc)
	h.writeOPT(0)
	return h.w.finish(q.id, flags, r.rcode)
}

// bareResponse answers with a header alone, no question and no OPT, as NSD
// does for what it does not implement.
func (h *handler) bareResponse(rcode int) []byte {
	q := &h.q
	h.w.buf = append(h.w.buf[:0], q.raw[:12]...)
	h.w.an, h.w.ns, h.w.ar = 0, 0, 0
	b := h.w.finish(q.id, h.responseFlags(false, false), rcode)
	binary.BigEndian.PutUint16(b[4:], 0)
	return b
}

// responseFlags: QR, the request's opcode and RD copied (RFC 1035), AA and
// TC as decided. CD is not copied: Knot DNS and NSD clear it, and it means
// nothing to an authoritative server.
func (h *handler) responseFlags(aa, tc bool) uint16 {
	f := uint16(flagQR) | h.q.flags&(0xF<<11|flagRD)
	if aa {
		f |= flagAA
	}
	if tc {
		f |= flagTC
	}
	return f
}

// errorResponse answers with the question and an rcode alone (extended
// rcodes go in the OPT record).
func (h *handler) errorResponse(limit int, rcode int) []byte {
	h.extRcode = rcode >> 4
	h.w.reset(&h.q, limit)
	h.writeOPT(rcode >> 4)
	return h.w.finish(h.q.id, h.responseFlags(false, false), rcode&0xF)
}

// parseError answers requests that could not be parsed: FORMERR when the
// header is sound and the message is a request, silence otherwise.
func (h *handler) parseError(msg []byte, err error) []byte {
	if errors.Is(err, errDrop) || errors.Is(err, errNotRequest) {
		return nil
	}
	q := &h.q
	qd := uint16(1)
	if errors.Is(err, errQuestion) || q.qEnd == 0 {
		q.qEnd, qd = 12, 0 // echo the header only
	}
	q.nlabels = 0
	h.w.reset(q, maxTCPSize)
	b := h.w.finish(q.id, h.responseFlags(false, false), dns.RcodeFormatError)
	binary.BigEndian.PutUint16(b[4:], qd)
	return b
}

// optSize is the room the response's OPT record will take.
func (h *handler) optSize() int {
	if !h.q.edns {
		return 0
	}
	n := 11
	if h.q.nsid && h.s.cfg.NSID != "" {
		n += 4 + len(h.s.cfg.NSID)
	}
	if h.ede != edeNone {
		n += 6
	}
	return n
}

// writeOPT appends our OPT record when the request had one: our buffer size,
// the DO bit echoed (RFC 3225), NSID when asked (RFC 5001).
func (h *handler) writeOPT(extRcode int) {
	q, w := &h.q, &h.w
	if !q.edns {
		return
	}
	w.buf = append(w.buf, 0)
	w.buf = binary.BigEndian.AppendUint16(w.buf, dns.TypeOPT)
	w.buf = binary.BigEndian.AppendUint16(w.buf, h.s.cfg.MaxUDPSize)
	var do byte
	if q.do {
		do = 0x80
	}
	w.buf = append(w.buf, byte(extRcode), 0, do, 0)
	at := len(w.buf)
	w.buf = append(w.buf, 0, 0)
	if q.nsid && h.s.cfg.NSID != "" && extRcode == 0 {
		w.buf = binary.BigEndian.AppendUint16(w.buf, dns.EDNS0NSID)
		w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(len(h.s.cfg.NSID)))
		w.buf = append(w.buf, h.s.cfg.NSID...)
	}
	if h.ede != edeNone {
		w.buf = binary.BigEndian.AppendUint16(w.buf, dns.EDNS0EDE)
		w.buf = binary.BigEndian.AppendUint16(w.buf, 2)
		w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(h.ede))
	}
	w.closeRdata(at)
	w.ar++
}
