package hub

import (
	"context"
	"log/slog"
	"sync"

	"github.com/miekg/dns"

	"anycloud/internal/gate"
	"anycloud/internal/replica"
)

// ControlPlane is the administration running with the hub: the
// administered state and onboarding (internal/admin) and the HTTP control
// API (internal/control). Those packages sit above this one and attach
// themselves with Attach before Run; the hub tells them what only it sees
// and starts and stops them with its own listeners. A hub without one
// distributes all the same, from its configuration file and whatever
// administered files its storage already holds.
type ControlPlane interface {
	// Start runs once the hub's DNS listeners are up; stop is called when
	// the hub stops (or fails to start).
	Start(ctx context.Context) (stop func(), err error)
	// NotifySeen says a NOTIFY for a client zone came from from; refused
	// says why the hub refused it ("" when accepted).
	NotifySeen(zone, from, refused string)
	// Replicated says the replication log applied a change of the named
	// administered files here, whoever made it, after the hub reloaded
	// its configuration if the change needed it.
	Replicated(names []string)
}

// Attach sets the control plane that runs with the hub; call it before Run.
func (h *Hub) Attach(p ControlPlane) { h.plane = p }

// What the control plane may use of the hub, besides its exported
// operations (Status, Retransfer, ReloadFile, Backup, Nodes...).

// Config is the configuration in force.
func (h *Hub) Config() *Config { return h.config() }

// Logger is the hub's log.
func (h *Hub) Logger() *slog.Logger { return h.log }

// AdminFiles is held to write the administered files; held for reading,
// they are one whole state.
func (h *Hub) AdminFiles() *sync.RWMutex { return &h.adminFiles }

// Replica is the replication of the administered state, or nil for a
// single hub (set once Run has started it).
func (h *Hub) Replica() *replica.Node { return h.repl }

// AskPrimaries has zone's refresh loop ask its primaries now, as a NOTIFY
// would (after its primaries changed).
func (h *Hub) AskPrimaries(zone string) {
	if sz := h.lookup(dns.CanonicalName(zone)); sz != nil && sz.sec != nil {
		sz.sec.Notify()
	}
}

// RemoveStored deletes this hub's stored versions of zone (a removed
// zone's purge).
func (h *Hub) RemoveStored(zone string) error { return h.store.Remove(zone) }

// SizePolicy is the gate's size bounds for a new version of zone of
// client c, as the acceptance gate applies them.
func (h *Hub) SizePolicy(zone string, c Client) gate.Size { return h.sizePolicy(zone, c, false) }

// startPlane starts the control plane, if any.
func (h *Hub) startPlane(ctx context.Context) (func(), error) {
	if h.plane == nil {
		return func() {}, nil
	}
	return h.plane.Start(ctx)
}

// notifySeen tells the control plane about a NOTIFY.
func (h *Hub) notifySeen(zone, from, refused string) {
	if h.plane != nil {
		h.plane.NotifySeen(zone, from, refused)
	}
}
