package announce

import "context"

// speaker is what makes routers hear about the prefixes. Announce and
// Withdraw are called only from the reconcile goroutine.
type speaker interface {
	start(ctx context.Context) error
	announce(ctx context.Context, prefixes []Prefix) error
	withdraw(ctx context.Context, prefixes []Prefix) error
	peers(ctx context.Context) []PeerStatus
	stop(ctx context.Context) error
}

// PeerStatus is one BGP session as the speaker sees it.
type PeerStatus struct {
	Address  string   `json:"address"`
	AS       uint32   `json:"as,omitempty"`
	Session  string   `json:"session"` // established, active, connect, idle, ...
	Families []Family `json:"families,omitempty"`
	Info     string   `json:"info,omitempty"`
}

// Established reports whether the session can carry routes.
func (p PeerStatus) Established() bool { return p.Session == "established" }
