package hub

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"anycloud/internal/replica"
	"anycloud/internal/xfr"
	"anycloud/internal/yamlconf"
)

// FastReplication shortens Raft's timers for tests on loopback.
var FastReplication bool

// startReplication joins the hubs of the `replication:` section, if any:
// from then on every administrative write goes through the Raft log
// (internal/admin) and every hub applies it to its own files.
func (h *Hub) startReplication(ctx context.Context) error {
	cfg := h.config()
	rc := cfg.Replication
	if rc == nil {
		return nil
	}
	var peers []replica.Peer
	for _, p := range rc.Peers {
		peers = append(peers, replica.Peer{Name: p.Name, Address: p.Address})
	}
	node, err := replica.Start(replica.Config{
		Self: replica.Peer{Name: rc.Name, Address: rc.Listen}, Peers: peers, Secret: rc.Secret,
		RaftDir: filepath.Join(cfg.Storage, replicationDir), Root: AdminPath(cfg.Storage),
		Mu: &h.adminFiles, OnApply: h.adminReplicated, Track: []string{AdminClients, adminCatalogFloor}, Log: h.log.With("component", "replication"),
		Fast: FastReplication,
	})
	if err != nil {
		return err
	}
	h.repl = node
	h.catalogReplicationStarted(node)
	go h.seedReplication(ctx)
	h.log.Info("replicating the administered state", "name", rc.Name, "listen", rc.Listen, "peers", len(peers))
	return nil
}

func (h *Hub) stopReplication() {
	if h.repl != nil {
		h.repl.Close()
	}
}

// seedReplication offers this hub's administered files as the cluster's
// first state when replication is turned on where a hub already has
// clients and nodes. The first offer the log takes wins; the others are
// refused (those hubs' earlier files are put aside and replaced).
func (h *Hub) seedReplication(ctx context.Context) {
	for !h.repl.Seeded() {
		h.adminFiles.RLock()
		files, err := portableAdmin(AdminPath(h.config().Storage))
		h.adminFiles.RUnlock()
		if err != nil || len(files) == 0 {
			if err != nil {
				h.log.Error("replication: administered files unreadable", "err", err)
			}
			return
		}
		c := replica.Change{Seed: true}
		for name, data := range files {
			c.Files = append(c.Files, replica.FileChange{Name: name, Data: data})
		}
		err = h.repl.Submit(ctx, c)
		if err == nil {
			h.log.Info("replication: this hub's administered state is the cluster's", "files", len(files))
			return
		}
		if h.repl.Seeded() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}

// portableAdmin reads the administered files with every key file that
// lies in the admin directory named relative to it, so they mean the same
// on another hub or another storage directory (replication, backup).
func portableAdmin(root string) (map[string][]byte, error) {
	files, err := replica.ReadTree(root)
	if err != nil {
		return nil, err
	}
	rel := func(spec *xfr.KeySpec) bool {
		if !filepath.IsAbs(spec.SecretFile) {
			return false
		}
		r, err := filepath.Rel(root, spec.SecretFile)
		if err != nil || strings.HasPrefix(r, "..") {
			return false
		}
		spec.SecretFile = filepath.ToSlash(r)
		return true
	}
	relativeKeysIn(files, root, AdminClients, func(c *ClientFile) *xfr.KeySpec { return &c.TSIG }, rel)
	relativeKeysIn(files, root, AdminNodes, func(n *NodeFile) *xfr.KeySpec { return &n.TSIG }, rel)
	if data, ok := files[AdminRemoved]; ok {
		removed := map[string]RemovedZone{}
		if err := json.Unmarshal(data, &removed); err == nil {
			changed := false
			for zone, r := range removed {
				spec := xfr.KeySpec{SecretFile: r.KeyFile}
				if rel(&spec) {
					r.KeyFile = spec.SecretFile
					removed[zone] = r
					changed = true
				}
			}
			if changed {
				if data, err := EncodeAdminJSON(removed); err == nil {
					files[AdminRemoved] = data
				}
			}
		}
	}
	return files, nil
}

// relativeKeysIn rewrites, in the YAML list files[name], each entry's key
// path that rel makes relative; the file is re-encoded only if one was.
func relativeKeysIn[T any](files map[string][]byte, root, name string, key func(*T) *xfr.KeySpec, rel func(*xfr.KeySpec) bool) {
	data, ok := files[name]
	if !ok {
		return
	}
	var list []T
	if yamlconf.Decode(data, &list) != nil {
		return
	}
	changed := false
	for i := range list {
		changed = rel(key(&list[i])) || changed
	}
	if changed {
		if data, err := EncodeAdminYAML(list); err == nil {
			files[name] = data
		}
	}
}

// ReplicationStatus is this hub's view of the cluster (nil: single hub).
func (h *Hub) ReplicationStatus() *replica.Status {
	if h.repl == nil {
		return nil
	}
	st := h.repl.Status()
	return &st
}

// adminReplicated is called for every change the log applied here,
// whoever made it: the hub reloads when the configuration's files
// changed, then tells the control plane.
func (h *Hub) adminReplicated(names []string) {
	if slices.ContainsFunc(names, ReloadsOn) {
		before := ClientZones(h.config())
		if err := h.ReloadFile(); err != nil {
			h.log.Error("a replicated administrative change does not load with this hub's configuration file; it keeps its previous configuration", "err", err)
		} else {
			h.askMovedPrimaries(before)
		}
	}
	if h.plane != nil {
		h.plane.Replicated(names)
	}
}

// askMovedPrimaries has each zone whose primaries changed (`client set`
// at another hub) ask its new primaries at once, as at the hub where the
// change was made.
func (h *Hub) askMovedPrimaries(before map[string]Client) {
	for zone, c := range ClientZones(h.config()) {
		old, ok := before[zone]
		if !ok || slices.Equal(old.Primaries, c.Primaries) {
			continue
		}
		h.AskPrimaries(zone)
	}
}
