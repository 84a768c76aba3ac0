package hub

import (
	"sort"

	"anycloud/internal/replica"
	"anycloud/internal/secondary"
)

// ZoneStatus is what the status command shows for one zone.
type ZoneStatus struct {
	Zone          string            `json:"zone"`
	Client        string            `json:"client,omitempty"`
	Serial        *uint32           `json:"serial"`
	Records       int               `json:"records"`
	JournalDeltas int               `json:"journal_deltas"`
	Refresh       *secondary.Status `json:"refresh,omitempty"`
	Rejected      int               `json:"rejected_versions"`
	LastRejection *Rejection        `json:"last_rejection,omitempty"`
}

// Status is the whole hub's status.
type Status struct {
	Zones         []ZoneStatus   `json:"zones"`
	PendingNotify map[string]int `json:"pending_notify"`
	ConfigFile    string         `json:"config_file,omitempty"`
	// Nodes with the administrative state set at the hub (node
	// disable|enable|drain), which each node follows.
	Nodes []NodeInfo `json:"nodes,omitempty"`
	// Replication is this hub's view of the hubs sharing the
	// administered state (absent for a single hub).
	Replication *replica.Status `json:"replication,omitempty"`
}

// Status returns a snapshot for operators and tests.
func (h *Hub) Status() Status {
	h.mu.RLock()
	zones := make([]*servedZone, 0, len(h.zones))
	for _, z := range h.zones {
		zones = append(zones, z)
	}
	h.mu.RUnlock()
	st := Status{PendingNotify: h.notifier.Pending(), ConfigFile: h.config().Path, Nodes: h.Nodes(), Replication: h.ReplicationStatus()}
	for _, z := range zones {
		st.Zones = append(st.Zones, z.status())
	}
	sort.Slice(st.Zones, func(i, j int) bool { return st.Zones[i].Zone < st.Zones[j].Zone })
	return st
}

// ZoneStatus returns the status of one zone, or false.
func (h *Hub) ZoneStatus(origin string) (ZoneStatus, bool) {
	z := h.lookup(origin)
	if z == nil {
		return ZoneStatus{}, false
	}
	return z.status(), true
}

func (z *servedZone) status() ZoneStatus {
	s := ZoneStatus{Zone: z.origin, Client: z.client}
	if c := z.cur.Load(); c != nil {
		serial := c.version.Serial()
		s.Serial, s.Records, s.JournalDeltas = &serial, c.version.Len(), len(c.journal.Deltas())
	}
	if z.sec != nil {
		r := z.sec.Status()
		s.Refresh = &r
	}
	z.mu.Lock()
	s.Rejected, s.LastRejection = z.rejected, z.rejection
	z.mu.Unlock()
	return s
}
