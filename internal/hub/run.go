package hub

import (
	"context"

	"github.com/miekg/dns"
)

// Run serves until ctx ends: the DNS listener for nodes and NOTIFY, the
// control plane if attached (plane.go), one refresh loop per client zone,
// and the notifier.
// ready is called once every listener is up.
func (h *Hub) Run(ctx context.Context, ready func()) error {
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
	if err := h.start(ctx, h.config()); err != nil {
		return err
	}
	if err := h.startReplication(ctx); err != nil {
		return err
	}
	defer h.stopReplication()
	servers, err := h.listen(ctx)
	if err != nil {
		return err
	}
	stopPlane, err := h.startPlane(ctx)
	if err != nil {
		shutdown(servers)
		return err
	}
	mon, err := h.startMonitor(ctx)
	if err != nil {
		shutdown(servers)
		stopPlane()
		return err
	}
	go h.notifier.run(ctx)
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	shutdown(servers)
	stopPlane()
	if mon != nil {
		mon.Close()
	}
	h.stopZones()
	return nil
}

func (h *Hub) stopZones() {
	h.mu.RLock()
	var zones []*servedZone
	for _, z := range h.zones {
		zones = append(zones, z)
	}
	h.mu.RUnlock()
	for _, z := range zones {
		if z.cancel != nil {
			z.cancel()
			<-z.done
		}
	}
}

func shutdown(servers []*dns.Server) {
	for _, s := range servers {
		s.Shutdown()
	}
}
