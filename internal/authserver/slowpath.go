package authserver

import (
	"net/netip"

	"github.com/miekg/dns"
)

// slowPath handles the rare requests that need a full message: NOTIFY, handed
// to the owner of the zones, and TSIG-signed requests, which this server
// cannot verify (it holds no keys) and answers NOTAUTH/BADKEY (RFC 8945 5.2.1).
func (h *handler) slowPath(msg []byte, src netip.AddrPort) []byte {
	req := new(dns.Msg)
	if err := req.Unpack(msg); err != nil {
		return h.errorResponse(maxTCPSize, dns.RcodeFormatError)
	}
	var resp *dns.Msg
	switch {
	case h.q.opcode == opcodeNotify && h.s.cfg.Notify != nil:
		return h.s.cfg.Notify(msg, req, src)
	case h.q.tsig:
		resp = badKey(req)
	default:
		resp = new(dns.Msg)
		resp.SetRcode(req, dns.RcodeRefused)
	}
	if resp == nil {
		return nil
	}
	out, err := resp.PackBuffer(h.w.buf[:0])
	if err != nil {
		return nil
	}
	return out
}

// badKey answers a request signed with a key this server does not know: the
// request's TSIG echoed with error BADKEY and no MAC.
func badKey(req *dns.Msg) *dns.Msg {
	resp := new(dns.Msg)
	resp.SetRcode(req, dns.RcodeNotAuth)
	if t := req.IsTsig(); t != nil {
		resp.Extra = append(resp.Extra, &dns.TSIG{
			Hdr:        dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
			Algorithm:  t.Algorithm,
			TimeSigned: t.TimeSigned,
			Fudge:      t.Fudge,
			OrigId:     t.OrigId,
			Error:      dns.RcodeBadKey,
		})
	}
	return resp
}
