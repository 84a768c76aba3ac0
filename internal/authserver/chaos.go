package authserver

import (
	"github.com/miekg/dns"
)

// Wire forms of the CHAOS names servers answer about themselves.
var (
	chaosIDServer      = []byte("\x02id\x06server\x00")
	chaosHostnameBind  = []byte("\x08hostname\x04bind\x00")
	chaosVersionBind   = []byte("\x07version\x04bind\x00")
	chaosVersionServer = []byte("\x07version\x06server\x00")
)

// chaos answers class CH TXT queries for the server's identity and version,
// as BIND, NSD and Knot do; anything else in CH is refused.
func (h *handler) chaos(limit int) []byte {
	q := &h.q
	var text string
	switch name := string(q.name()); name {
	case string(chaosIDServer), string(chaosHostnameBind):
		text = h.s.cfg.identity()
	case string(chaosVersionBind), string(chaosVersionServer):
		if !h.s.cfg.HideVersion {
			text = h.s.cfg.Version
		}
	}
	if text == "" || (q.qtype != dns.TypeTXT && q.qtype != dns.TypeANY) {
		return h.errorResponse(limit, dns.RcodeRefused)
	}
	h.w.reset(q, limit-h.optSize())
	{
		w := &h.w
		w.buf = append(w.buf, 0xC0, 12) // the question name
		at := w.header(dns.TypeTXT, dns.ClassCHAOS, 0)
		if len(text) > 255 {
			text = text[:255]
		}
		w.buf = append(w.buf, byte(len(text)))
		w.buf = append(w.buf, text...)
		w.closeRdata(at)
		w.an = 1
	}
	h.writeOPT(0)
	return h.w.finish(q.id, h.responseFlags(false, false), 0) // not AA, as Knot and NSD
}
