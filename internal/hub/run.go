package hub

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/miekg/dns"
)

// Run serves until ctx ends: the DNS listener for nodes and NOTIFY, the
// control endpoint, one refresh loop per client zone, and the notifier.
// ready is called once every listener is up.
func (h *Hub) Run(ctx context.Context, ready func()) error {
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
	if err := h.apply(ctx, h.config()); err != nil {
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
	ctl, err := h.startControl(ctx)
	if err != nil {
		shutdown(servers)
		return err
	}
	mon, err := h.startMonitor(ctx)
	if err != nil {
		shutdown(servers)
		if ctl != nil {
			ctl.Close()
		}
		return err
	}
	go h.notifier.run(ctx)
	go h.purgeLoop(ctx) // zones removed with `client remove` (onboard_lifecycle.go)
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	shutdown(servers)
	if ctl != nil {
		ctl.Close()
	}
	if mon != nil {
		mon.Close()
	}
	h.stopZones()
	return nil
}

// apply makes the set of served zones match cfg: new zones are loaded from
// storage and start refreshing, removed ones stop (their files stay, so a
// mistaken removal is cheap to undo), and the catalog is rebuilt. Stored
// copies are read before anything changes, so a failure leaves all as it was.
func (h *Hub) apply(ctx context.Context, cfg *Config) error {
	wanted := clientZones(cfg)
	h.mu.Lock()
	defer h.mu.Unlock()
	added := map[string]*servedZone{}
	for _, origin := range slices.Sorted(maps.Keys(wanted)) {
		if h.zones[origin] == nil {
			z, err := h.loadZone(origin, wanted[origin].Name)
			if err != nil {
				return err
			}
			added[origin] = z
		}
	}
	catalogZone, err := h.catalogZone(cfg)
	if err != nil {
		return err
	}
	for origin, z := range h.zones {
		if _, keep := wanted[origin]; !keep && z != catalogZone {
			if z.cancel != nil {
				z.cancel()
			}
			delete(h.zones, origin)
			h.log.Info("zone removed from the hub", "zone", origin)
		}
	}
	for origin, z := range added {
		h.zones[origin] = z
		h.startSecondary(ctx, z)
	}
	h.zones[cfg.Catalog] = catalogZone
	return h.updateCatalog(catalogZone, slices.Sorted(maps.Keys(wanted)), cfg)
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

// Reload replaces the configuration with cfg, which the caller has fully
// validated (keys loaded), so a bad file never half-applies.
func (h *Hub) Reload(cfg *Config) error {
	old := h.config()
	if fmt.Sprint(old.Listen) != fmt.Sprint(cfg.Listen) || old.Storage != cfg.Storage || old.Control != cfg.Control ||
		fmt.Sprint(old.Replication) != fmt.Sprint(cfg.Replication) {
		return fmt.Errorf("listen, control, storage and replication cannot change on reload; restart the hub")
	}
	h.cfg.Store(cfg)
	h.mu.RLock()
	ctx := h.ctx
	h.mu.RUnlock()
	if err := h.apply(ctx, cfg); err != nil {
		h.cfg.Store(old)
		return err
	}
	h.log.Info("configuration reloaded", "clients", len(cfg.Clients), "nodes", len(cfg.Nodes))
	h.notifier.nodesChanged()
	h.notifyNewNodes(old, cfg)
	h.reconfigureMonitor(cfg)
	return nil
}

func shutdown(servers []*dns.Server) {
	for _, s := range servers {
		s.Shutdown()
	}
}

// notifyNewNodes sends a node added by a reload a NOTIFY for every zone, so
// it does not wait for its own refresh timers.
func (h *Hub) notifyNewNodes(old, cfg *Config) {
	known := map[string]bool{}
	for _, n := range old.Nodes {
		known[n.Name] = true
	}
	var added []string
	for _, n := range cfg.Nodes {
		if !known[n.Name] {
			added = append(added, n.Name)
		}
	}
	if len(added) == 0 {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for origin, z := range h.zones {
		if v := z.current(); v != nil {
			h.notifier.queue(origin, v.SOA(), added)
		}
	}
}
