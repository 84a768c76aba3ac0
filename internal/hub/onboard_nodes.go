package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/adminstate"
	"anycloud/internal/monitor"
	"anycloud/internal/xfr"
)

// AddNodeRequest is `anycloud node add` at the hub.
type AddNodeRequest struct {
	Name    string              `json:"name"`
	Address string              `json:"address"` // unicast IP or IP:port, where NOTIFY goes
	Key     KeyJSON             `json:"key"`
	Site    adminstate.NodeSite `json:"site"`
}

// fill completes the monitor's entry for a node added with `node add`
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

// AddNode registers an administered node with its key; the reload is all
// or nothing, as for clients.
func (h *Hub) AddNode(req AddNodeRequest) error {
	key, err := req.Key.Key()
	if err != nil {
		return err
	}
	err = h.adminWrite(func(tx *adminTx) error {
		if slices.ContainsFunc(h.config().Nodes, func(n Node) bool { return n.Name == req.Name }) {
			return fmt.Errorf("node %q is already registered", req.Name)
		}
		var admin []NodeFile
		if err := tx.readYAML(adminNodes, &admin); err != nil {
			return err
		}
		keyName := adminKeyName(key.Name)
		admin = append(admin, NodeFile{Name: req.Name, Address: req.Address,
			TSIG: xfr.KeySpec{Name: key.Name, Algorithm: "hmac-sha256", SecretFile: keyName}})
		sites := map[string]adminstate.NodeSite{}
		if err := tx.readJSON(adminNodeSites, &sites); err != nil {
			return err
		}
		sites[req.Name] = req.Site
		tx.write(keyName, []byte(key.Secret+"\n"))
		if err := tx.writeYAML(adminNodes, admin); err != nil {
			return err
		}
		return tx.writeJSON(adminNodeSites, sites)
	})
	if err != nil {
		return refusedAs(err, "node")
	}
	h.log.Info("node added", "node", req.Name, "address", req.Address, "key", key.Name)
	return nil
}

// nodeStates reads the administrative states (missing: enabled).
func (h *Hub) nodeStates() map[string]string {
	out := map[string]string{}
	h.readAdminJSON(adminNodeStates, &out)
	return out
}

// nodeSites reads where the administered nodes are.
func (h *Hub) nodeSites() map[string]adminstate.NodeSite {
	out := map[string]adminstate.NodeSite{}
	h.readAdminJSON(adminNodeSites, &out)
	return out
}

func (h *Hub) readAdminJSON(name string, out any) {
	data, err := os.ReadFile(adminPath(h.config().Storage, name))
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		h.log.Warn("administrative file unreadable", "file", name, "err", err)
	}
}

// SetNodeState records a node's administrative state; the node picks it
// up at its next poll (about a second).
func (h *Hub) SetNodeState(name, state string) error {
	if !adminstate.ValidNodeState(state) {
		return fmt.Errorf("unknown node state %q (enabled, disabled or drained)", state)
	}
	if !slices.ContainsFunc(h.config().Nodes, func(n Node) bool { return n.Name == name }) {
		return fmt.Errorf("no node %q at this hub", name)
	}
	err := h.adminWrite(func(tx *adminTx) error {
		states := map[string]string{}
		if err := tx.readJSON(adminNodeStates, &states); err != nil {
			return err
		}
		states[name] = state
		return tx.writeJSON(adminNodeStates, states)
	})
	if err != nil {
		return err
	}
	h.log.Warn("node administrative state set", "node", name, "state", state)
	return nil
}

// Nodes lists every node with its administrative state.
func (h *Hub) Nodes() []NodeInfo {
	states, sites := h.nodeStates(), h.nodeSites()
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

func (h *Hub) httpAddNode(w http.ResponseWriter, r *http.Request) {
	var req AddNodeRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := h.AddNode(req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, h.Nodes())
}

func (h *Hub) httpNodes(w http.ResponseWriter, _ *http.Request) { writeJSON(w, h.Nodes()) }

// NodeStateRequest sets a node's administrative state.
type NodeStateRequest struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

func (h *Hub) httpNodeState(w http.ResponseWriter, r *http.Request) {
	var req NodeStateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := h.SetNodeState(req.Name, req.State); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, h.Nodes())
}
