package node

import (
	"anycloud/internal/catalog"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// loadCatalog reads the stored catalog and every stored member, and
// publishes the members, before any network traffic.
func (n *Node) loadCatalog() error {
	c := &member{origin: n.cfg.Catalog}
	n.newSecondary(c, func(p *xfr.Pulled) error { return n.acceptCatalog(c, p.Version) },
		func(expired bool) {
			if expired {
				n.log.Warn("catalog expired: member zones are kept and expire on their own timers", "zone", c.origin)
			}
		})
	n.catalog = c
	v, _, err := n.store.Load(c.origin)
	if err == nil && v != nil {
		_, err = catalog.Parse(v)
	}
	if err != nil {
		// A damaged copy must not keep the node down: fetch a fresh one.
		n.log.Warn("stored catalog unusable, waiting for the hub's", "zone", c.origin, "err", err)
		return nil
	}
	if v == nil {
		return nil
	}
	members, _ := catalog.Parse(v)
	c.cur.Store(v)
	for _, m := range members {
		if err := n.addMember(m.Zone, false); err != nil {
			return err
		}
	}
	return nil
}

// acceptCatalog stores a new catalog version and makes the member set
// match it: new zones are added, zones no longer listed are withdrawn.
func (n *Node) acceptCatalog(c *member, v *zonever.Version) error {
	members, err := catalog.Parse(v)
	if err != nil {
		return err
	}
	if err := n.store.Save(v, nil); err != nil {
		return err
	}
	c.cur.Store(v)
	n.log.Info("catalog version applied", "zone", c.origin, "serial", v.Serial(), "members", len(members))
	return n.reconcile(members)
}

func (n *Node) reconcile(members []catalog.Member) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	wanted := map[string]bool{}
	for _, m := range members {
		wanted[m.Zone] = true
		if n.members[m.Zone] == nil {
			if err := n.addMember(m.Zone, true); err != nil {
				return err
			}
		}
	}
	for origin, m := range n.members {
		if !wanted[origin] {
			n.removeMember(origin, m)
		}
	}
	return nil
}

// removeMember stops the zone's refresh loop (waiting, so that a transfer
// in flight cannot publish after the withdrawal), then withdraws it.
func (n *Node) removeMember(origin string, m *member) {
	m.stop()
	delete(n.members, origin)
	n.srv.Withdraw(origin)
	if err := n.store.Remove(origin); err != nil {
		n.log.Warn("could not remove stored copy", "zone", origin, "err", err)
	}
	n.log.Info("zone removed from the catalog: no longer served", "zone", origin)
}
