package hub

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"anycloud/internal/monitor"
)

// A configuration is taken whole or not at all, as Caddy does: a change
// is built first, with everything derived from the new configuration (the
// zones it adds, read from storage; the catalog's next version, written to
// storage before it is served; the embedded monitor's configuration,
// checked), while the hub runs on untouched. Only then is it swapped in,
// by steps that cannot fail. A refused configuration leaves the running
// one, its zones, catalog and monitor as they were.

// change is a configuration and what it implies, built by prepare.
type change struct {
	cfg     *Config
	wanted  map[string]Client      // client zones by origin
	added   map[string]*servedZone // zones cfg adds, loaded from storage, not yet served
	catalog *servedZone            // the catalog zone under cfg's name
	update  *catalogUpdate         // its next version, stored; nil: unchanged
	monitor *monitor.Config        // the embedded monitor's, checked; nil: not reconfigured
}

// Reload replaces the configuration with cfg, which the caller has fully
// validated (keys loaded): all or nothing (see change).
func (h *Hub) Reload(cfg *Config) error {
	err := h.reload(cfg)
	h.reloaded(err)
	return err
}

func (h *Hub) reload(cfg *Config) error {
	h.mu.Lock()
	old := h.config()
	if fmt.Sprint(old.Listen) != fmt.Sprint(cfg.Listen) || old.Storage != cfg.Storage || old.Control != cfg.Control ||
		fmt.Sprint(old.Replication) != fmt.Sprint(cfg.Replication) {
		h.mu.Unlock()
		return fmt.Errorf("listen, control, storage and replication cannot change on reload; restart the hub")
	}
	c, err := h.prepare(cfg, true)
	if err != nil {
		h.mu.Unlock()
		return err
	}
	h.commit(h.ctx, c)
	h.mu.Unlock()
	h.log.Info("configuration reloaded", "clients", len(cfg.Clients), "nodes", len(cfg.Nodes))
	h.notifier.nodesChanged()
	h.notifyNewNodes(old, cfg)
	h.reconfigureMonitor(cfg, c.monitor)
	return nil
}

// start serves the zones of the configuration the hub was made with.
func (h *Hub) start(ctx context.Context, cfg *Config) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.prepare(cfg, false)
	if err != nil {
		return err
	}
	h.commit(ctx, c)
	h.reloaded(nil)
	return nil
}

// reloaded records the outcome of taking a configuration (metrics).
func (h *Hub) reloaded(err error) {
	h.mon.counters.ConfigLoaded(err == nil, time.Now())
}

// prepare builds the change to cfg without touching what the hub serves;
// with monitor, the embedded monitor's new configuration is checked too.
// Called with h.mu held.
func (h *Hub) prepare(cfg *Config, withMonitor bool) (*change, error) {
	c := &change{cfg: cfg, wanted: ClientZones(cfg), added: map[string]*servedZone{}}
	members := slices.Sorted(maps.Keys(c.wanted))
	for _, origin := range members {
		if h.zones[origin] == nil {
			z, err := h.loadZone(origin, c.wanted[origin].Name)
			if err != nil {
				return nil, err
			}
			c.added[origin] = z
		}
	}
	var err error
	if c.catalog, err = h.catalogZone(cfg); err != nil {
		return nil, err
	}
	if withMonitor && h.mon.mon != nil && h.monitorFollows(cfg) {
		mc := h.monitorConfig(cfg)
		if err := mc.Validate(); err != nil {
			return nil, fmt.Errorf("monitor: %w", err)
		}
		c.monitor = &mc
	}
	// Last, as it writes the catalog's next version to storage.
	if c.update, err = h.nextCatalog(c.catalog, members, cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// commit swaps c in: new zones start refreshing, removed ones stop (their
// files stay, so a mistaken removal is cheap to undo), and the catalog's
// new version is served. It cannot fail. Called with h.mu held.
func (h *Hub) commit(ctx context.Context, c *change) {
	h.cfg.Store(c.cfg)
	for origin, z := range h.zones {
		if _, keep := c.wanted[origin]; !keep && z != c.catalog {
			if z.cancel != nil {
				z.cancel()
			}
			delete(h.zones, origin)
			h.log.Info("zone removed from the hub", "zone", origin)
		}
	}
	for origin, z := range c.added {
		h.zones[origin] = z
		h.startSecondary(ctx, z)
	}
	h.zones[c.cfg.Catalog] = c.catalog
	h.publishCatalog(c.catalog, c.update, c.cfg)
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
