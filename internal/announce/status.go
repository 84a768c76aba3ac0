package announce

import (
	"context"
	"time"
)

// Status is the announcer's state, per prefix and per peer.
type Status struct {
	State    string         `json:"state"` // announced, withdrawn, drained
	Reason   string         `json:"reason"`
	Since    time.Time      `json:"since"`
	Error    string         `json:"error,omitempty"` // last speaker error, if the latest attempt failed
	Mode     Mode           `json:"mode"`
	Health   Health         `json:"health"`
	Peers    []PeerStatus   `json:"peers"`
	Prefixes []PrefixStatus `json:"prefixes"`
}

// PrefixStatus says, for one prefix, where it is announced.
type PrefixStatus struct {
	Prefix string         `json:"prefix"`
	State  string         `json:"state"`
	Peers  []PrefixAtPeer `json:"peers"`
}

// PrefixAtPeer is one prefix at one peer.
type PrefixAtPeer struct {
	Peer      string `json:"peer"`
	Announced bool   `json:"announced"`
	Why       string `json:"why"`
}

// Status reports the current state; it asks the speaker for its sessions.
func (a *Announcer) Status(ctx context.Context) Status {
	a.mu.Lock()
	st := Status{State: a.state, Reason: a.reason, Since: a.since, Error: a.lastErr, Mode: a.cfg.Mode}
	announced, running := a.have != routeOff, a.running
	a.mu.Unlock()
	st.Health = a.monitor.current()
	if running {
		st.Peers = a.speaker.peers(ctx)
	}
	for _, p := range a.cfg.Prefixes {
		st.Prefixes = append(st.Prefixes, prefixStatus(p, st, announced))
	}
	return st
}

func prefixStatus(p Prefix, st Status, announced bool) PrefixStatus {
	ps := PrefixStatus{Prefix: p.Prefix.String(), State: st.State}
	fam := prefixFamily(p.Prefix)
	for _, peer := range st.Peers {
		if len(peer.Families) > 0 && !hasFamily(peer.Families, fam) {
			continue
		}
		at := PrefixAtPeer{Peer: peer.Address, Announced: announced && peer.Established()}
		switch {
		case !announced:
			at.Why = st.State + ": " + st.Reason
		case !peer.Established():
			at.Why = "session " + peer.Session
		default:
			at.Why = "announced"
		}
		ps.Peers = append(ps.Peers, at)
	}
	return ps
}

func hasFamily(list []Family, f Family) bool {
	for _, x := range list {
		if x == f {
			return true
		}
	}
	return false
}
