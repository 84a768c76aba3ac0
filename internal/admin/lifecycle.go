package admin

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/adminstate"
	"anycloud/internal/hub"
	"anycloud/internal/xfr"
)

// Client and node lifecycles after `client add` / `node add`: a zone
// removed (kept for a grace period, then purged), a client's primaries
// changed under the same key, a node removed (its key revoked). Every
// change goes through the administered files and one reload, all or
// nothing, like the adds.

// RemovedZones lists the zones removed and not yet purged.
func (a *Admin) RemovedZones() map[string]hub.RemovedZone {
	out := map[string]hub.RemovedZone{}
	a.h.ReadAdminJSON(hub.AdminRemoved, &out)
	for zone, r := range out {
		if !r.PurgedAt.IsZero() {
			delete(out, zone)
		}
	}
	return out
}

// RemoveClient takes zone out of the administered clients: the catalog
// loses the member (nodes, and Knot or NSD catalog consumers, stop serving
// it), the hub stops pulling it, and its stored versions and key are kept
// for the grace period. Other zones sharing the key stay.
func (a *Admin) RemoveClient(zone string) (*hub.RemovedZone, error) {
	zone = dns.CanonicalName(zone)
	var rec hub.RemovedZone
	err := a.write(func(tx *adminTx) error {
		cfg := a.h.Config()
		var admin []hub.ClientFile
		if err := tx.readYAML(hub.AdminClients, &admin); err != nil {
			return err
		}
		idx := adminIndex(admin, zone)
		if idx < 0 {
			if _, configured := hub.ClientZones(cfg)[zone]; configured {
				return fmt.Errorf("%s is configured in the hub's configuration file; remove it there", zone)
			}
			return fmt.Errorf("%s is not a client", zone)
		}
		c := admin[idx]
		now := time.Now().UTC()
		rec = hub.RemovedZone{Zone: zone, Client: c.Name, Primaries: c.Primaries, KeyName: c.TSIG.Name, Algorithm: c.TSIG.Algorithm,
			KeyFile: c.TSIG.SecretFile, At: now, PurgeAt: now.Add(cfg.Onboarding.RemovalGrace)}
		c.Zones = slices.DeleteFunc(slices.Clone(c.Zones), func(z string) bool { return dns.CanonicalName(z) == zone })
		if len(c.Zones) == 0 {
			admin = slices.Delete(admin, idx, idx+1)
		} else {
			admin[idx] = c
		}
		removed := map[string]hub.RemovedZone{}
		if err := tx.readJSON(hub.AdminRemoved, &removed); err != nil {
			return err
		}
		removed[zone] = rec
		if err := tx.writeJSON(hub.AdminRemoved, removed); err != nil {
			return err
		}
		return tx.writeYAML(hub.AdminClients, admin)
	})
	if err != nil {
		return nil, refusedAs(err, "clients")
	}
	a.log.Warn("client zone removed: no longer in the catalog nor pulled; data kept until purge", "zone", zone, "purge_at", rec.PurgeAt)
	return &rec, nil
}

// restoreClient brings back a zone removed within its grace period, with
// its old key (the client's primary needs no change) and its primaries
// unless new ones are given.
func (a *Admin) restoreClient(req AddClientRequest) error {
	zones := req.ZoneList()
	err := a.write(func(tx *adminTx) error {
		removed := map[string]hub.RemovedZone{}
		if err := tx.readJSON(hub.AdminRemoved, &removed); err != nil {
			return err
		}
		var admin []hub.ClientFile
		if err := tx.readYAML(hub.AdminClients, &admin); err != nil {
			return err
		}
		for _, zone := range zones {
			rec, ok := removed[zone]
			if !ok || !rec.PurgedAt.IsZero() {
				return fmt.Errorf("%s was not removed, or its grace period is over: add it with a new key", zone)
			}
			if _, configured := hub.ClientZones(a.h.Config())[zone]; configured {
				return fmt.Errorf("%s is already served", zone)
			}
			if err := tx.exists(rec.KeyFile); err != nil {
				return fmt.Errorf("%s: its key is gone (%v): add it with a new key", zone, err)
			}
			primaries := rec.Primaries
			if len(req.Primaries) > 0 {
				primaries = req.Primaries
			}
			// Back into the client that still holds the same key, if any.
			idx := slices.IndexFunc(admin, func(c hub.ClientFile) bool { return c.TSIG.Name == rec.KeyName })
			if idx >= 0 {
				admin[idx].Zones = append(admin[idx].Zones, zone)
			} else {
				admin = append(admin, hub.ClientFile{Name: rec.Client, Zones: []string{zone}, Primaries: primaries,
					TSIG: xfr.KeySpec{Name: rec.KeyName, Algorithm: rec.Algorithm, SecretFile: rec.KeyFile}})
			}
			delete(removed, zone)
		}
		if err := tx.writeJSON(hub.AdminRemoved, removed); err != nil {
			return err
		}
		return tx.writeYAML(hub.AdminClients, admin)
	})
	if err != nil {
		return refusedAs(err, "restored client")
	}
	a.log.Info("client zone restored with its key", "zones", zones)
	return nil
}

// PurgeRemoved ends the grace period of every removed zone whose PurgeAt
// is before now, and returns the zones purged (by this call, or here
// after another hub's purge).
//
// The purge is in two parts. The administered part (the entry becomes a
// tombstone, the onboarding steps and the key no other zone uses go) is
// one replicated write, which whichever hub runs first makes: another
// hub purging at the same time conflicts, computes again from the new
// files and finds nothing left to do. The stored versions are each hub's
// own: every hub deletes them when it sees a tombstone (purgeLocal), here
// and when another hub's purge reaches it.
func (a *Admin) PurgeRemoved(now time.Time) []string {
	grace := a.h.Config().Onboarding.RemovalGrace
	var ended []string
	err := a.write(func(tx *adminTx) error {
		ended = nil
		removed := map[string]hub.RemovedZone{}
		if err := tx.readJSON(hub.AdminRemoved, &removed); err != nil {
			return err
		}
		progress := map[string][]StepState{}
		if err := tx.readJSON(hub.AdminOnboarding, &progress); err != nil {
			return err
		}
		served := hub.ClientZones(a.h.Config())
		changed, progressChanged := false, false
		var keyFiles []string
		for zone, rec := range removed {
			switch {
			case rec.PurgedAt.IsZero() && !now.Before(rec.PurgeAt):
				rec.PurgedAt = now.UTC()
				removed[zone] = rec
				changed = true
				ended = append(ended, zone)
				keyFiles = append(keyFiles, rec.KeyFile)
				if _, back := served[zone]; !back {
					if _, ok := progress[zone]; ok {
						delete(progress, zone)
						progressChanged = true
					}
				}
			case !rec.PurgedAt.IsZero() && !now.Before(rec.PurgedAt.Add(grace)):
				delete(removed, zone) // every hub has had a grace period to see the tombstone
				changed = true
			}
		}
		if !changed {
			return nil
		}
		unused, err := unusedKeys(tx, keyFiles, removed)
		if err != nil {
			return err
		}
		for _, name := range unused {
			tx.remove(name)
		}
		if progressChanged {
			if err := tx.writeJSON(hub.AdminOnboarding, progress); err != nil {
				return err
			}
		}
		return tx.writeJSON(hub.AdminRemoved, removed)
	})
	if err != nil {
		a.log.Error("could not record the end of removed zones' grace period; trying again later", "err", err)
	}
	purged := a.purgeLocal()
	for _, z := range ended {
		if !slices.Contains(purged, z) {
			purged = append(purged, z)
		}
	}
	slices.Sort(purged)
	return purged
}

// purgeLocal deletes this hub's stored versions of every zone whose
// removal entry is a tombstone, unless this hub serves the zone again
// (its configuration file names it), and returns the zones purged.
func (a *Admin) purgeLocal() []string {
	all := map[string]hub.RemovedZone{}
	a.h.ReadAdminJSON(hub.AdminRemoved, &all)
	served := hub.ClientZones(a.h.Config())
	var purged []string
	for zone, rec := range all {
		if rec.PurgedAt.IsZero() {
			continue
		}
		if _, back := served[zone]; back {
			continue // configured again in the file meanwhile: its data is live
		}
		s := &a.onb
		s.mu.Lock()
		done := s.purgedHere[zone].Equal(rec.PurgedAt)
		s.mu.Unlock()
		if done {
			continue
		}
		if err := a.h.RemoveStored(zone); err != nil {
			a.log.Error("could not purge a removed zone's stored versions", "zone", zone, "err", err)
			continue
		}
		s.mu.Lock()
		if s.purgedHere == nil {
			s.purgedHere = map[string]time.Time{}
		}
		s.purgedHere[zone] = rec.PurgedAt
		delete(s.notifies, zone)
		s.mu.Unlock()
		purged = append(purged, zone)
	}
	s := &a.onb
	s.mu.Lock()
	for zone := range s.purgedHere {
		if all[zone].PurgedAt.IsZero() {
			delete(s.purgedHere, zone) // tombstone gone: forget it too
		}
	}
	s.mu.Unlock()
	if len(purged) > 0 {
		slices.Sort(purged)
		a.log.Warn("removed zones purged after their grace period", "zones", purged)
	}
	return purged
}

// unusedKeys returns the admin-directory names ("keys/NAME.key") of those
// of files that no administered client or node and no zone still in its
// grace period uses: a key file of the operator's, outside the
// administered keys directory, is never deleted.
func unusedKeys(tx *adminTx, files []string, remaining map[string]hub.RemovedZone) ([]string, error) {
	var clients []hub.ClientFile
	if err := tx.readYAML(hub.AdminClients, &clients); err != nil {
		return nil, err // unsure what is in use: keep every key
	}
	var nodes []hub.NodeFile
	if err := tx.readYAML(hub.AdminNodes, &nodes); err != nil {
		return nil, err
	}
	inUse := map[string]bool{}
	for _, c := range clients {
		inUse[tx.keyName(c.TSIG.SecretFile)] = true
	}
	for _, n := range nodes {
		inUse[tx.keyName(n.TSIG.SecretFile)] = true
	}
	for _, r := range remaining {
		if r.PurgedAt.IsZero() {
			inUse[tx.keyName(r.KeyFile)] = true
		}
	}
	var out []string
	for _, f := range files {
		if name := tx.keyName(f); name != "" && !inUse[name] && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// purgeLoop purges removed zones whose grace period is over, at start and
// then every hour (more often for a grace period under four hours).
func (a *Admin) purgeLoop(ctx context.Context) {
	every := min(time.Hour, max(time.Second, a.h.Config().Onboarding.RemovalGrace/4))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		a.PurgeRemoved(time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SetPrimaries changes the primaries of the client holding zone (every
// zone under its key) without touching the key, then has the hub ask the
// new primaries at once (every other hub does when the change reaches it:
// adminChanged).
func (a *Admin) SetPrimaries(zone string, primaries []string) ([]string, error) {
	zone = dns.CanonicalName(zone)
	if len(primaries) == 0 {
		return nil, fmt.Errorf("no primary given")
	}
	var zones []string
	err := a.write(func(tx *adminTx) error {
		var admin []hub.ClientFile
		if err := tx.readYAML(hub.AdminClients, &admin); err != nil {
			return err
		}
		idx := adminIndex(admin, zone)
		if idx < 0 {
			if _, configured := hub.ClientZones(a.h.Config())[zone]; configured {
				return fmt.Errorf("%s is configured in the hub's configuration file; change it there", zone)
			}
			return fmt.Errorf("%s is not a client", zone)
		}
		admin[idx].Primaries = primaries
		zones = admin[idx].Zones
		return tx.writeYAML(hub.AdminClients, admin)
	})
	if err != nil {
		return nil, refusedAs(err, "primaries")
	}
	for _, z := range zones {
		a.h.AskPrimaries(z)
	}
	a.log.Warn("client primaries changed, key unchanged", "zones", zones, "primaries", primaries)
	return zones, nil
}

// RemoveNode takes an administered node out: its key is deleted, so the
// hub refuses its transfers and state queries; it leaves the node list
// and the monitor stops expecting it.
func (a *Admin) RemoveNode(name string) error {
	err := a.write(func(tx *adminTx) error {
		var admin []hub.NodeFile
		if err := tx.readYAML(hub.AdminNodes, &admin); err != nil {
			return err
		}
		idx := slices.IndexFunc(admin, func(n hub.NodeFile) bool { return n.Name == name })
		if idx < 0 {
			if slices.ContainsFunc(a.h.Config().Nodes, func(n hub.Node) bool { return n.Name == name }) {
				return fmt.Errorf("node %q is configured in the hub's configuration file; remove it there", name)
			}
			return fmt.Errorf("no node %q at this hub", name)
		}
		keyFile := admin[idx].TSIG.SecretFile
		admin = slices.Delete(admin, idx, idx+1)
		sites, states := map[string]adminstate.NodeSite{}, map[string]string{}
		if err := tx.readJSON(hub.AdminNodeSites, &sites); err != nil {
			return err
		}
		if err := tx.readJSON(hub.AdminNodeStates, &states); err != nil {
			return err
		}
		if _, ok := sites[name]; ok {
			delete(sites, name)
			if err := tx.writeJSON(hub.AdminNodeSites, sites); err != nil {
				return err
			}
		}
		if _, ok := states[name]; ok {
			delete(states, name)
			if err := tx.writeJSON(hub.AdminNodeStates, states); err != nil {
				return err
			}
		}
		if err := tx.writeYAML(hub.AdminNodes, admin); err != nil {
			return err
		}
		// The configuration no longer holds the key; the file goes too, so
		// no later reload can bring it back (unless another entry shares it).
		removed := map[string]hub.RemovedZone{}
		if err := tx.readJSON(hub.AdminRemoved, &removed); err != nil {
			return err
		}
		unused, err := unusedKeys(tx, []string{keyFile}, removed)
		if err != nil {
			return err
		}
		for _, k := range unused {
			tx.remove(k)
		}
		return nil
	})
	if err != nil {
		return refusedAs(err, "node list")
	}
	a.log.Warn("node removed: its key is revoked", "node", name)
	return nil
}
