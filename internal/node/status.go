package node

import (
	"context"
	"sort"

	"anycloud/internal/announce"
	"anycloud/internal/secondary"
)

// ZoneStatus is the refresh state of one zone the node keeps.
type ZoneStatus struct {
	Zone    string           `json:"zone"`
	Serial  *uint32          `json:"serial"`
	Refresh secondary.Status `json:"refresh"`
}

// Status returns the state of the catalog and every member, sorted.
func (n *Node) Status() []ZoneStatus {
	n.mu.Lock()
	all := []*member{n.catalog}
	for _, m := range n.members {
		all = append(all, m)
	}
	n.mu.Unlock()
	var out []ZoneStatus
	for _, m := range all {
		s := ZoneStatus{Zone: m.origin, Refresh: m.sec.Status()}
		if v := m.cur.Load(); v != nil {
			serial := v.Serial()
			s.Serial = &serial
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Zone < out[j].Zone })
	return out
}

// StatusDoc is what GET /status returns: the announcement state at the top
// (the monitor reads "state" and "reason") and every zone's refresh state.
type StatusDoc struct {
	NSID     string           `json:"nsid,omitempty"`
	State    string           `json:"state,omitempty"` // announced, withdrawn, drained; empty without announce:
	Reason   string           `json:"reason,omitempty"`
	HubState string           `json:"hub_state,omitempty"` // enabled, disabled, drained: set at the hub
	Announce *announce.Status `json:"announce,omitempty"`
	Zones    []ZoneStatus     `json:"zones"`
}

// StatusDoc gathers the node's status.
func (n *Node) StatusDoc(ctx context.Context) StatusDoc {
	d := StatusDoc{NSID: n.cfg.NSID, Zones: n.Status()}
	d.HubState, _ = n.hubState.Load().(string)
	if n.ann != nil {
		st := n.ann.Status(ctx)
		d.State, d.Reason, d.Announce = st.State, st.Reason, &st
	}
	return d
}
