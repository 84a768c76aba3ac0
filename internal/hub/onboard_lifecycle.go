package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// Client and node lifecycles after `client add` / `node add`: a zone
// removed (kept for a grace period, then purged), a client's primaries
// changed under the same key, a node removed (its key revoked). Every
// change goes through the administered files and one reload, all or
// nothing, like the adds.

// adminRemoved lists the zones removed with `client remove` that still
// have their stored versions and key.
const adminRemoved = "removed.json"

// RemovedZone is a client zone taken out of service: its stored versions
// and key stay until PurgeAt, and `client add ZONE --restore` brings it
// back with the key and primaries it had.
type RemovedZone struct {
	Zone      string    `json:"zone"`
	Client    string    `json:"client"`
	Primaries []string  `json:"primaries"`
	KeyName   string    `json:"key_name"`
	Algorithm string    `json:"algorithm"`
	KeyFile   string    `json:"key_file"`
	At        time.Time `json:"removed_at"`
	PurgeAt   time.Time `json:"purge_at"`
}

func (h *Hub) removedZones() map[string]RemovedZone {
	out := map[string]RemovedZone{}
	h.readAdminJSON(adminRemoved, &out)
	return out
}

func (h *Hub) writeRemoved(removed map[string]RemovedZone) error {
	data, _ := json.MarshalIndent(removed, "", "  ")
	return writeFileAtomic(adminPath(h.config().Storage, adminRemoved), data, 0o600)
}

// RemoveClient takes zone out of the administered clients: the catalog
// loses the member (nodes, and Knot or NSD catalog consumers, stop serving
// it), the hub stops pulling it, and its stored versions and key are kept
// for the grace period. Other zones sharing the key stay.
func (h *Hub) RemoveClient(zone string) (*RemovedZone, error) {
	zone = dns.CanonicalName(zone)
	h.onb.adminMu.Lock()
	defer h.onb.adminMu.Unlock()
	cfg := h.config()
	storage := cfg.Storage
	var admin []ClientFile
	if err := readAdmin(adminPath(storage, adminClients), &admin); err != nil {
		return nil, err
	}
	idx := adminIndex(admin, zone)
	if idx < 0 {
		if _, configured := clientZones(cfg)[zone]; configured {
			return nil, fmt.Errorf("%s is configured in the hub's configuration file; remove it there", zone)
		}
		return nil, fmt.Errorf("%s is not a client", zone)
	}
	c := admin[idx]
	now := time.Now().UTC()
	rec := RemovedZone{Zone: zone, Client: c.Name, Primaries: c.Primaries, KeyName: c.TSIG.Name, Algorithm: c.TSIG.Algorithm,
		KeyFile: c.TSIG.SecretFile, At: now, PurgeAt: now.Add(cfg.Onboarding.RemovalGrace)}
	c.Zones = slices.DeleteFunc(slices.Clone(c.Zones), func(z string) bool { return dns.CanonicalName(z) == zone })
	if len(c.Zones) == 0 {
		admin = slices.Delete(admin, idx, idx+1)
	} else {
		admin[idx] = c
	}
	removed := h.removedZones()
	removed[zone] = rec
	snap := snapshotFiles(adminPath(storage, adminClients), adminPath(storage, adminRemoved))
	if err := writeYAML(adminPath(storage, adminClients), admin); err != nil {
		return nil, err
	}
	if err := h.writeRemoved(removed); err != nil {
		restoreFiles(snap)
		return nil, err
	}
	if err := h.ReloadFile(); err != nil {
		restoreFiles(snap)
		return nil, fmt.Errorf("the hub refused the change, nothing changed: %w", err)
	}
	h.log.Warn("client zone removed: no longer in the catalog nor pulled; data kept until purge", "zone", zone, "purge_at", rec.PurgeAt)
	return &rec, nil
}

// restoreClient brings back a zone removed within its grace period, with
// its old key (the client's primary needs no change) and its primaries
// unless new ones are given.
func (h *Hub) restoreClient(req AddClientRequest) error {
	h.onb.adminMu.Lock()
	defer h.onb.adminMu.Unlock()
	zones := req.zoneList()
	storage := h.config().Storage
	removed := h.removedZones()
	var admin []ClientFile
	if err := readAdmin(adminPath(storage, adminClients), &admin); err != nil {
		return err
	}
	for _, zone := range zones {
		rec, ok := removed[zone]
		if !ok {
			return fmt.Errorf("%s was not removed, or its grace period is over: add it with a new key", zone)
		}
		if _, configured := clientZones(h.config())[zone]; configured {
			return fmt.Errorf("%s is already served", zone)
		}
		if _, err := os.Stat(rec.KeyFile); err != nil {
			return fmt.Errorf("%s: its key is gone (%v): add it with a new key", zone, err)
		}
		primaries := rec.Primaries
		if len(req.Primaries) > 0 {
			primaries = req.Primaries
		}
		// Back into the client that still holds the same key, if any.
		idx := slices.IndexFunc(admin, func(c ClientFile) bool { return c.TSIG.Name == rec.KeyName })
		if idx >= 0 {
			admin[idx].Zones = append(admin[idx].Zones, zone)
		} else {
			admin = append(admin, ClientFile{Name: rec.Client, Zones: []string{zone}, Primaries: primaries,
				TSIG: xfr.KeySpec{Name: rec.KeyName, Algorithm: rec.Algorithm, SecretFile: rec.KeyFile}})
		}
		delete(removed, zone)
	}
	snap := snapshotFiles(adminPath(storage, adminClients), adminPath(storage, adminRemoved))
	if err := writeYAML(adminPath(storage, adminClients), admin); err != nil {
		return err
	}
	if err := h.writeRemoved(removed); err != nil {
		restoreFiles(snap)
		return err
	}
	if err := h.ReloadFile(); err != nil {
		restoreFiles(snap)
		return fmt.Errorf("the hub refused the restored client, nothing changed: %w", err)
	}
	h.log.Info("client zone restored with its key", "zones", zones)
	return nil
}

// PurgeRemoved deletes the stored versions, onboarding steps and (when no
// other zone uses it) the key of every zone whose grace period ended
// before now, and returns the zones purged.
func (h *Hub) PurgeRemoved(now time.Time) []string {
	h.onb.adminMu.Lock()
	defer h.onb.adminMu.Unlock()
	removed := h.removedZones()
	served := clientZones(h.config())
	var purged, keyFiles []string
	for zone, rec := range removed {
		if now.Before(rec.PurgeAt) {
			continue
		}
		delete(removed, zone)
		if _, back := served[zone]; back {
			continue // configured again in the file meanwhile: its data is live
		}
		if err := h.store.Remove(zone); err != nil {
			h.log.Error("could not purge a removed zone's stored versions", "zone", zone, "err", err)
			removed[zone] = rec
			continue
		}
		h.forgetProgress(zone)
		purged = append(purged, zone)
		keyFiles = append(keyFiles, rec.KeyFile)
	}
	if len(purged) == 0 {
		return nil
	}
	if err := h.writeRemoved(removed); err != nil {
		h.log.Error("could not record the purge", "err", err)
	}
	for _, file := range h.unusedKeys(keyFiles, removed) {
		if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
			h.log.Error("could not purge a removed zone's key", "file", file, "err", err)
		}
	}
	slices.Sort(purged)
	h.log.Warn("removed zones purged after their grace period", "zones", purged)
	return purged
}

// unusedKeys returns those of files that no administered client and no
// zone still in its grace period uses, and that lie in the administered
// keys directory: a key file of the operator's is never deleted.
func (h *Hub) unusedKeys(files []string, remaining map[string]RemovedZone) []string {
	storage := h.config().Storage
	var admin []ClientFile
	if err := readAdmin(adminPath(storage, adminClients), &admin); err != nil {
		return nil // unsure what is in use: keep every key
	}
	inUse := map[string]bool{}
	for _, c := range admin {
		inUse[c.TSIG.SecretFile] = true
	}
	for _, r := range remaining {
		inUse[r.KeyFile] = true
	}
	var out []string
	for _, f := range files {
		if f != "" && !inUse[f] && filepath.Dir(f) == adminPath(storage, adminKeys) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// purgeLoop purges removed zones whose grace period is over, at start and
// then every hour (more often for a grace period under four hours).
func (h *Hub) purgeLoop(ctx context.Context) {
	every := min(time.Hour, max(time.Second, h.config().Onboarding.RemovalGrace/4))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		h.PurgeRemoved(time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SetPrimaries changes the primaries of the client holding zone (every
// zone under its key) without touching the key, then has the hub ask the
// new primaries at once.
func (h *Hub) SetPrimaries(zone string, primaries []string) ([]string, error) {
	zone = dns.CanonicalName(zone)
	if len(primaries) == 0 {
		return nil, fmt.Errorf("no primary given")
	}
	h.onb.adminMu.Lock()
	defer h.onb.adminMu.Unlock()
	storage := h.config().Storage
	var admin []ClientFile
	if err := readAdmin(adminPath(storage, adminClients), &admin); err != nil {
		return nil, err
	}
	idx := adminIndex(admin, zone)
	if idx < 0 {
		if _, configured := clientZones(h.config())[zone]; configured {
			return nil, fmt.Errorf("%s is configured in the hub's configuration file; change it there", zone)
		}
		return nil, fmt.Errorf("%s is not a client", zone)
	}
	admin[idx].Primaries = primaries
	snap := snapshotFiles(adminPath(storage, adminClients))
	if err := writeYAML(adminPath(storage, adminClients), admin); err != nil {
		return nil, err
	}
	if err := h.ReloadFile(); err != nil {
		restoreFiles(snap)
		return nil, fmt.Errorf("the hub refused the new primaries, nothing changed: %w", err)
	}
	zones := admin[idx].Zones
	for _, z := range zones {
		if sz := h.lookup(dns.CanonicalName(z)); sz != nil && sz.sec != nil {
			sz.sec.Notify()
		}
	}
	h.log.Warn("client primaries changed, key unchanged", "zones", zones, "primaries", primaries)
	return zones, nil
}

// RemoveNode takes an administered node out: its key is deleted, so the
// hub refuses its transfers and state queries; it leaves the node list
// and the monitor stops expecting it.
func (h *Hub) RemoveNode(name string) error {
	h.onb.adminMu.Lock()
	defer h.onb.adminMu.Unlock()
	storage := h.config().Storage
	var admin []NodeFile
	if err := readAdmin(adminPath(storage, adminNodes), &admin); err != nil {
		return err
	}
	idx := slices.IndexFunc(admin, func(n NodeFile) bool { return n.Name == name })
	if idx < 0 {
		if slices.ContainsFunc(h.config().Nodes, func(n Node) bool { return n.Name == name }) {
			return fmt.Errorf("node %q is configured in the hub's configuration file; remove it there", name)
		}
		return fmt.Errorf("no node %q at this hub", name)
	}
	keyFile := admin[idx].TSIG.SecretFile
	admin = slices.Delete(admin, idx, idx+1)
	sites, states := h.nodeSites(), h.nodeStates()
	delete(sites, name)
	delete(states, name)
	sitesData, _ := json.MarshalIndent(sites, "", "  ")
	statesData, _ := json.MarshalIndent(states, "", "  ")
	paths := []string{adminPath(storage, adminNodes), adminPath(storage, adminNodeSites), adminPath(storage, adminNodeStates)}
	snap := snapshotFiles(paths...)
	for i, data := range [][]byte{nil, sitesData, statesData} {
		var err error
		if i == 0 {
			err = writeYAML(paths[0], admin)
		} else {
			err = writeFileAtomic(paths[i], data, 0o600)
		}
		if err != nil {
			restoreFiles(snap)
			return err
		}
	}
	if err := h.ReloadFile(); err != nil {
		restoreFiles(snap)
		return fmt.Errorf("the hub refused the change, nothing changed: %w", err)
	}
	// The configuration no longer holds the key; the file goes too, so no
	// later reload can bring it back.
	if strings.HasPrefix(keyFile, adminPath(storage, adminKeys)+string(filepath.Separator)) {
		if err := os.Remove(keyFile); err != nil && !os.IsNotExist(err) {
			h.log.Error("node removed, but its key file stays", "file", keyFile, "err", err)
		}
	}
	h.log.Warn("node removed: its key is revoked", "node", name)
	return nil
}

// RemoveClientRequest is `anycloud client remove ZONE`.
type RemoveClientRequest struct {
	Zone string `json:"zone"`
}

// SetPrimariesRequest is `anycloud client set ZONE --primary ADDR[,ADDR]`.
type SetPrimariesRequest struct {
	Zone      string   `json:"zone"`
	Primaries []string `json:"primaries"`
}

// SetPrimariesResult names every zone whose primaries changed.
type SetPrimariesResult struct {
	Zones     []string `json:"zones"`
	Primaries []string `json:"primaries"`
}

// RemoveNodeRequest is `anycloud node remove NAME`.
type RemoveNodeRequest struct {
	Name string `json:"name"`
}

func (h *Hub) httpRemoveClient(w http.ResponseWriter, r *http.Request) {
	var req RemoveClientRequest
	if !decodeBody(w, r, &req) {
		return
	}
	rec, err := h.RemoveClient(req.Zone)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, rec)
}

func (h *Hub) httpRemoved(w http.ResponseWriter, _ *http.Request) {
	var out []RemovedZone
	for _, r := range h.removedZones() {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b RemovedZone) int { return strings.Compare(a.Zone, b.Zone) })
	writeJSON(w, out)
}

func (h *Hub) httpSetPrimaries(w http.ResponseWriter, r *http.Request) {
	var req SetPrimariesRequest
	if !decodeBody(w, r, &req) {
		return
	}
	zones, err := h.SetPrimaries(req.Zone, req.Primaries)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, SetPrimariesResult{Zones: zones, Primaries: req.Primaries})
}

func (h *Hub) httpRemoveNode(w http.ResponseWriter, r *http.Request) {
	var req RemoveNodeRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := h.RemoveNode(req.Name); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, h.Nodes())
}
