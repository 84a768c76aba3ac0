package node

import (
	"fmt"

	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// addMember creates the member zone, publishes its stored copy if any, and
// starts its refresh loop when running is set (at start-up Run starts it).
// Called with n.mu held or before Run.
func (n *Node) addMember(origin string, running bool) error {
	m := &member{origin: origin}
	n.newSecondary(m, func(p *xfr.Pulled) error { return n.acceptMember(m, p) },
		func(expired bool) { n.srv.SetExpired(origin, expired) })
	v, j, err := n.store.Load(origin)
	m.journal = j
	if err != nil {
		n.log.Warn("stored copy unreadable, will transfer", "zone", origin, "err", err)
	} else if v != nil {
		if err := n.publish(m, v, nil); err != nil {
			n.log.Warn("stored copy does not build, will transfer", "zone", origin, "err", err)
		}
	}
	n.members[origin] = m
	if running {
		n.start(m)
	}
	return nil
}

// Node journals only spare rewriting the zone file, which for a large zone
// costs seconds of CPU (its records are rebuilt from the snapshot) that
// would delay the next change: a journal of small changes is rewritten
// instead, up to this many deltas.
const nodeJournalDeltas = 500

// acceptMember publishes a transferred version, then stores it (queries see
// the new version without waiting for the disk).
func (n *Node) acceptMember(m *member, p *xfr.Pulled) error {
	v := p.Version
	if err := n.publish(m, v, p.Deltas); err != nil {
		return err
	}
	if p.Deltas == nil {
		m.journal = nil
	}
	for _, d := range p.Deltas {
		m.journal = m.journal.Append(d, nodeJournalDeltas, max(10000, v.Len()/2))
	}
	if err := n.store.Save(v, m.journal); err != nil {
		n.log.Error("version served but not stored: a restart would serve the previous one", "zone", m.origin, "err", err)
	}
	n.log.Info("zone version applied", "zone", m.origin, "serial", v.Serial(), "records", v.Len())
	return nil
}

// publish builds the serving snapshot (patched from the current one when
// deltas lead to v) and swaps it in atomically. The node keeps the version
// as its snapshot alone (zonever.Held): the next IXFR patches it, and the
// records as dns.RR values, the bulk of the memory, are let go.
func (n *Node) publish(m *member, v *zonever.Version, deltas []zonever.Delta) error {
	z, err := v.Snapshot(m.cur.Load(), deltas)
	if err != nil {
		return fmt.Errorf("version %d does not build: %w", v.Serial(), err)
	}
	n.srv.Publish(z)
	m.cur.Store(v.Held())
	return nil
}
