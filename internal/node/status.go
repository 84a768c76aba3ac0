package node

import (
	"sort"

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
