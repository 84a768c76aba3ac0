package hub

import (
	"errors"
	"fmt"
	"time"

	"anycloud/internal/gate"
	"anycloud/internal/secondary"
	"anycloud/internal/store"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// Journal bounds: enough history for nodes that were away a while, never
// more changed records than a few full zones' worth.
const (
	journalMaxDeltas  = 200
	journalMinRecords = 100000
)

// accept runs the gate on a transferred version and, when it passes,
// stores it, puts it in service and notifies the nodes.
func (h *Hub) accept(z *servedZone, p *xfr.Pulled, server string, req secondary.Request) error {
	cur := z.current()
	// A forced retransfer may bring the same serial again (a repair); only
	// --accept-older lets a serial that went backwards through.
	cfg := h.config()
	// An operator's retransfer also accepts growth past limits.max-growth
	// once; the client's maximum records and bytes still hold.
	policy := gate.Policy{MaxShrink: cfg.MaxShrink, SkipBuild: !cfg.EngineCheck, AcceptSame: req.Forced, AcceptOlder: req.AcceptOlder, Deltas: p.Deltas,
		Size: h.sizePolicy(z.origin, h.clientOf(z), req.Forced)}
	if rej := gate.Check(cur, p.Version, policy); rej != nil {
		return h.reject(z, p.Version, server, rej)
	}
	deltas := p.Deltas
	if cur != nil && deltas == nil {
		deltas = []zonever.Delta{zonever.Diff(cur, p.Version)}
	}
	// A version that came by IXFR is kept as the gate's snapshot alone
	// (zonever.Held): the next IXFR patches it instead of copying every
	// record. One that came whole keeps its records until then, as nodes
	// are about to transfer it whole, which is quicker from records.
	v := p.Version
	if p.Kind == xfr.KindIXFR {
		v = v.Held()
	}
	next := h.withDeltas(z, v, deltas)
	if err := h.store.Save(next.version, next.journal); err != nil {
		return fmt.Errorf("version %d passed the gate but could not be stored, not served: %w", p.Version.Serial(), err)
	}
	z.cur.Store(next)
	h.log.Info("zone version accepted", "zone", z.origin, "serial", p.Version.Serial(), "records", p.Version.Len(),
		"transfer", p.Kind, "server", server, "deltas", len(deltas))
	h.notifier.zoneChanged(z.origin, next.version.SOA())
	return nil
}

// withDeltas returns the content for v with deltas appended to z's journal.
func (h *Hub) withDeltas(z *servedZone, v *zonever.Version, deltas []zonever.Delta) *content {
	var j *zonever.Journal
	old := z.cur.Load()
	if old != nil && !zonever.SerialNewer(v.Serial(), old.version.Serial()) {
		return &content{version: v} // a forced rollback: old deltas mean nothing now
	}
	if old != nil && len(deltas) > 0 {
		j = old.journal
		maxRecords := max(journalMinRecords, 2*v.Len())
		for _, d := range deltas {
			j = j.Append(d, journalMaxDeltas, maxRecords)
		}
	}
	return &content{version: v, journal: j}
}

func (h *Hub) reject(z *servedZone, v *zonever.Version, server string, rej *gate.Rejection) error {
	// Copies beyond limits.max-rejected-copies / -megabytes go, oldest
	// first: a primary that changes its zone on every query must not fill
	// the disk with refused versions.
	path, evicted, err := h.store.SaveRejected(v, rej.Error(), h.config().Rejected)
	switch {
	case errors.Is(err, store.ErrRejectedTooLarge):
		h.log.Warn("rejected version not kept: larger than limits.max-rejected-megabytes alone", "zone", z.origin, "serial", v.Serial(),
			"max_megabytes", h.config().Rejected.MaxBytes>>20)
	case err != nil:
		h.log.Error("could not keep the rejected version", "zone", z.origin, "err", err)
	case evicted > 0:
		h.log.Debug("older rejected copies removed", "zone", z.origin, "removed", evicted)
	}
	h.gateRejected(z.origin, v.Serial(), server, rej)
	z.recordRejection(Rejection{Serial: v.Serial(), Check: rej.Check, Reason: rej.Reason, Server: server, At: time.Now(), File: path})
	h.log.Error("zone version rejected by the gate; the last good version stays in service",
		"zone", z.origin, "serial", v.Serial(), "check", rej.Check, "reason", rej.Reason, "server", server, "kept_in", path)
	return fmt.Errorf("version %d rejected: %w", v.Serial(), rej)
}

// sizePolicy is the gate's size bounds for a version of origin: its
// client's limits, and what the client's other zones in service hold.
func (h *Hub) sizePolicy(origin string, c Client, acceptGrowth bool) gate.Size {
	s := gate.Size{MaxRecords: c.Size.MaxRecords, MaxBytes: c.Size.MaxBytes, MaxGrowth: c.Size.MaxGrowth,
		Client: c.Name, AcceptGrowth: acceptGrowth}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, other := range c.Zones {
		if z := h.zones[other]; other != origin && z != nil {
			if v := z.current(); v != nil {
				s.OtherRecords += v.Len()
				s.OtherBytes += v.WireBytes()
			}
		}
	}
	return s
}
