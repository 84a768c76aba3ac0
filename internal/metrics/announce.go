package metrics

import "anycloud/internal/announce"

// AnnounceFromStatus turns the announcer's status into what the node
// collector exports: the state, each peer's session, each prefix announced
// to at least one peer, the overall health verdict as check "healthy", and
// each check failing in the latest round as false.
func AnnounceFromStatus(st announce.Status) AnnounceInfo {
	a := AnnounceInfo{State: st.State, Sessions: map[string]bool{}, Prefixes: map[string]bool{},
		Checks: map[string]bool{"healthy": st.Health.Healthy}}
	for _, p := range st.Peers {
		a.Sessions[p.Address] = p.Established()
	}
	for _, p := range st.Prefixes {
		on := false
		for _, at := range p.Peers {
			on = on || at.Announced
		}
		a.Prefixes[p.Prefix] = on
	}
	for name := range st.Health.Failing {
		a.Checks[name] = false
	}
	return a
}
