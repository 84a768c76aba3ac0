package hub

import (
	"github.com/miekg/dns"

	"anycloud/internal/adminstate"
	"anycloud/internal/xfr"
)

// handleQuery answers SOA, AXFR and IXFR for served zones to configured
// nodes only; everything else is REFUSED: the hub is not a public server.
func (h *Hub) handleQuery(w dns.ResponseWriter, req *dns.Msg) {
	q := req.Question[0]
	z := h.lookup(dns.CanonicalName(q.Name))
	node := h.nodeKey(w, req)
	if node == "" && q.Qtype == dns.TypeSOA {
		node = h.monitorKey(w, req)
	}
	if node != "" && q.Qtype == dns.TypeTXT && dns.CanonicalName(q.Name) == adminstate.NodeStateName {
		h.answerNodeState(w, req, node)
		return
	}
	switch {
	case node == "":
		h.badNodeSignature(w, req)
		h.refuse(w, req, dns.RcodeRefused, "no valid TSIG key of a configured node")
		return
	case z == nil:
		h.refuse(w, req, dns.RcodeRefused, "not a zone of this hub")
		return
	case z.current() == nil || z.expired():
		h.refuse(w, req, dns.RcodeServerFailure, "zone not loaded or expired at the hub")
		return
	}
	c := z.cur.Load()
	served := xfr.Served{Version: c.version, Journal: c.journal, Expire: z.expireSeconds()}
	var err error
	switch q.Qtype {
	case dns.TypeSOA:
		err = xfr.ServeSOA(w, req, served)
	case dns.TypeAXFR:
		if w.LocalAddr().Network() == "udp" {
			h.refuse(w, req, dns.RcodeFormatError, "AXFR over UDP")
			return
		}
		err = xfr.ServeAXFR(w, req, served)
	case dns.TypeIXFR:
		err = xfr.ServeIXFR(w, req, served)
	default:
		h.refuse(w, req, dns.RcodeRefused, "only SOA, AXFR and IXFR are served")
		return
	}
	if err != nil {
		h.log.Warn("transfer to node failed", "node", node, "q", questionOf(req), "err", err)
		return
	}
	h.log.Debug("served", "node", node, "q", questionOf(req), "serial", c.version.Serial())
}
