package node

import (
	"net/netip"
	"slices"

	"github.com/miekg/dns"
)

// handleNotify is the authoritative server's NOTIFY hook: a NOTIFY from a
// hub address for the catalog or a member triggers an immediate check.
func (n *Node) handleNotify(req *dns.Msg, src netip.AddrPort) *dns.Msg {
	resp := new(dns.Msg)
	resp.SetReply(req)
	if len(req.Question) != 1 || !n.fromHub(src.Addr()) {
		resp.Rcode = dns.RcodeRefused
		return resp
	}
	m := n.lookup(dns.CanonicalName(req.Question[0].Name))
	if m == nil || m.sec == nil {
		resp.Rcode = dns.RcodeRefused
		return resp
	}
	n.log.Debug("NOTIFY from the hub", "zone", m.origin, "from", src.String())
	m.sec.Notify()
	resp.Authoritative = true
	return resp
}

func (n *Node) fromHub(a netip.Addr) bool {
	return slices.ContainsFunc(n.cfg.Hubs, func(h string) bool {
		ap, err := netip.ParseAddrPort(h)
		return err == nil && ap.Addr().Unmap() == a.Unmap()
	})
}

func (n *Node) lookup(origin string) *member {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.catalog != nil && n.catalog.origin == origin {
		return n.catalog
	}
	return n.members[origin]
}
