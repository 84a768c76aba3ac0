package monitor

import "time"

// Step is one onboarding step of a client zone (key, transfer trial,
// resolution trial, synchronisation, NS in the zone, NS in the parent),
// as the hub's client records keep it.
type Step struct {
	Name   string    `json:"name"`
	State  string    `json:"state"` // pass, fail or pending
	At     time.Time `json:"at,omitzero"`
	Detail string    `json:"detail,omitempty"` // what the client must still do, or why it failed
}

// SetOnboarding records a client's onboarding steps for the dashboard; the
// hub calls it whenever a step's result changes. A nil list forgets them.
func (m *Monitor) SetOnboarding(zone string, steps []Step) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.onboarding == nil {
		m.onboarding = map[string][]Step{}
	}
	if steps == nil {
		delete(m.onboarding, zone)
		return
	}
	m.onboarding[zone] = append([]Step(nil), steps...)
}
