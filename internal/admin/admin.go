package admin

import (
	"context"
	"log/slog"
	"sync"

	"anycloud/internal/hub"
)

// Admin is the administration of one hub: every change of its
// administered state, and the onboarding of its clients. It implements
// hub.ControlPlane, so a hub it is attached to (Attach) tells it about
// NOTIFYs and replicated changes.
type Admin struct {
	h       *hub.Hub
	log     *slog.Logger
	writeMu sync.Mutex // serialises changes to the administered state
	onb     onboardState
}

// New is the administration of h; attach it (h.Attach, or
// control.Attach for the control API too) before h runs.
func New(h *hub.Hub) *Admin { return &Admin{h: h, log: h.Logger()} }

// Start purges removed zones whose grace period is over, at once and
// then periodically, until ctx ends or stop is called.
func (a *Admin) Start(ctx context.Context) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	go a.purgeLoop(ctx)
	return cancel, nil
}

var _ hub.ControlPlane = (*Admin)(nil)
