package hub

import (
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/adminstate"
	"anycloud/internal/monitor"
)

// The administered nodes as the hub reads them: their states, which each
// node asks for (answerNodeState), and where they are, which the embedded
// monitor and the onboarding checks use. internal/admin writes both.

// fillSite completes the monitor's entry for a node added with `node add`
// from what it recorded: where the node is (the dashboard's map), its
// addresses, and its metrics and status. The monitor section wins.
func fillSite(s adminstate.NodeSite, nc *monitor.NodeConfig) {
	if nc.City == "" && nc.Lat == 0 && nc.Lon == 0 {
		nc.City, nc.Lat, nc.Lon = s.City, s.Lat, s.Lon
	}
	if len(nc.Unicast) == 0 {
		nc.Unicast = s.Unicast
	}
	if nc.MetricsURL == "" && nc.StatusURL == "" && s.Metrics != "" {
		nc.MetricsURL, nc.StatusURL = "http://"+s.Metrics+"/metrics", "http://"+s.Metrics+"/status"
	}
}

// NodeInfo is a node as the hub lists it.
type NodeInfo struct {
	Name    string               `json:"name"`
	Address string               `json:"address"`
	State   string               `json:"state"`
	Site    *adminstate.NodeSite `json:"site,omitempty"`
}

// nodeStates reads the administrative states (missing: enabled).
func (h *Hub) nodeStates() map[string]string {
	out := map[string]string{}
	h.ReadAdminJSON(AdminNodeStates, &out)
	return out
}

// NodeSites reads where the administered nodes are.
func (h *Hub) NodeSites() map[string]adminstate.NodeSite {
	out := map[string]adminstate.NodeSite{}
	h.ReadAdminJSON(AdminNodeSites, &out)
	return out
}

// Nodes lists every node with its administrative state.
func (h *Hub) Nodes() []NodeInfo {
	states, sites := h.nodeStates(), h.NodeSites()
	var out []NodeInfo
	for _, n := range h.config().Nodes {
		info := NodeInfo{Name: n.Name, Address: n.Address, State: states[n.Name]}
		if info.State == "" {
			info.State = adminstate.NodeEnabled
		}
		if site, ok := sites[n.Name]; ok {
			info.Site = &site
		}
		out = append(out, info)
	}
	return out
}

// answerNodeState answers a node's signed TXT query for its own state.
func (h *Hub) answerNodeState(w dns.ResponseWriter, req *dns.Msg, node string) {
	st := h.nodeStates()[node]
	if st == "" {
		st = adminstate.NodeEnabled
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: adminstate.NodeStateName, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{st}}}
	if t := req.IsTsig(); t != nil {
		m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
	}
	w.WriteMsg(m)
}
