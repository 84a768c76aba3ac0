package hub

import (
	"fmt"
	"time"

	"anycloud/internal/catalog"
	"anycloud/internal/zonever"
)

// catalogZone returns the served catalog zone for cfg, loading it from
// storage when it is new (first start, or a renamed catalog). Called with
// h.mu held.
func (h *Hub) catalogZone(cfg *Config) (*servedZone, error) {
	if z := h.zones[cfg.Catalog]; z != nil && z.client == "" {
		return z, nil
	}
	return h.loadZone(cfg.Catalog, "")
}

// updateCatalog publishes a new catalog version when the member list
// changed; the serial only ever moves forward, so nodes and Knot see a
// normal IXFR.
func (h *Hub) updateCatalog(z *servedZone, members []string) error {
	cur := z.current()
	if cur != nil && catalog.SameMembers(cur, members) {
		return nil
	}
	// A time-based serial stays ahead of what nodes hold even if the stored
	// catalog was lost; cur+1 wins when the clock is behind.
	serial := uint32(time.Now().Unix())
	if cur != nil && !zonever.SerialNewer(serial, cur.Serial()) {
		serial = cur.Serial() + 1
	}
	v, err := catalog.Build(z.origin, serial, members)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	var deltas []zonever.Delta
	if cur != nil {
		deltas = []zonever.Delta{zonever.Diff(cur, v)}
	}
	next := h.withDeltas(z, v, deltas)
	if err := h.store.Save(next.version, next.journal); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	z.cur.Store(next)
	h.log.Info("catalog updated", "zone", z.origin, "serial", serial, "members", len(members))
	h.notifier.zoneChanged(z.origin, v.SOA())
	return nil
}
