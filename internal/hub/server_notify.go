package hub

import (
	"fmt"
	"slices"
	"time"

	"github.com/miekg/dns"
)

// handleNotify accepts a NOTIFY for a client zone from one of the client's
// primaries, or signed with the client's key, and checks the zone at once
// (RFC 1996 section 3.11: the NOTIFY is only a hint).
func (h *Hub) handleNotify(w dns.ResponseWriter, req *dns.Msg) {
	origin := dns.CanonicalName(req.Question[0].Name)
	z := h.lookup(origin)
	if z == nil || z.sec == nil {
		h.refuse(w, req, dns.RcodeRefused, "NOTIFY for a zone the hub does not pull")
		return
	}
	if !h.notifyAllowed(w, req, h.clientOf(z)) {
		h.notifySeen(origin, w.RemoteAddr().String(), notifyRefusal(w, req))
		h.refuse(w, req, dns.RcodeRefused, "NOTIFY neither from a primary of the zone nor signed with its client's key")
		return
	}
	h.notifySeen(origin, w.RemoteAddr().String(), "")
	// A NOTIFY held by limits.min-notify-interval is part of a storm the
	// zone's refresh loop logs once: logging each would be the flood.
	if z.sec.Notify() {
		h.log.Debug("NOTIFY received, check held", "zone", origin, "from", w.RemoteAddr().String())
	} else {
		h.log.Info("NOTIFY received", "zone", origin, "from", w.RemoteAddr().String())
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if t := req.IsTsig(); t != nil {
		m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
	}
	w.WriteMsg(m)
}

func (h *Hub) notifyAllowed(w dns.ResponseWriter, req *dns.Msg, c Client) bool {
	if t := req.IsTsig(); t != nil {
		return w.TsigStatus() == nil && c.Key != nil && dns.CanonicalName(t.Hdr.Name) == c.Key.Name
	}
	from := addrOf(w.RemoteAddr())
	return slices.ContainsFunc(c.Primaries, func(p string) bool { return hostOf(p) == from })
}

// notifyRefusal words why a NOTIFY was refused, for the onboarding's
// transfer trial.
func notifyRefusal(w dns.ResponseWriter, req *dns.Msg) string {
	if t := req.IsTsig(); t != nil {
		if err := w.TsigStatus(); err != nil {
			return fmt.Sprintf("signed with key %s, which does not verify here (%v): the primary's key differs from the hub's", t.Hdr.Name, err)
		}
		return fmt.Sprintf("signed with key %s, which is not this zone's key", t.Hdr.Name)
	}
	return "unsigned, from an address not listed as the zone's primary: sign NOTIFY with the zone's key, or list that address with --primary"
}
