package hub

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"anycloud/internal/catalog"
	"anycloud/internal/replica"
	"anycloud/internal/zonever"
)

// The catalog's SOA serial.
//
// A single hub (no `replication:` section) keeps the serial it has always
// had: its clock, or the previous serial + 1 when the clock is behind.
//
// Replicated hubs must serve the same catalog under the same serial, and
// a later member list under a higher one, whichever hub a node asks:
// nodes take each zone from the hub with the highest serial and never go
// back. The clock cannot give that (two hubs publish the same members
// under different serials; two changes within a second at one hub reach
// another at once and are published there under the first one's serial).
// So the serial is derived from the replicated state itself:
//
//	serial = catalogSerialBase + the Raft log index of the last change that
//	         wrote or removed the administered client list (clients.yaml)
//
// which every hub computes alike, after a restart or a snapshot too (the
// replica keeps the index with the applied index and in snapshots). A
// change of the client list always gets a higher index, so a higher
// serial; a change of other files (nodes, keys) leaves the catalog alone.
//
// catalogSerialBase is above every clock-based serial (Unix times, about
// 1.8e9 in 2026) and less than 2^31 ahead of them (RFC 1982): a hub
// upgraded in place, whose catalog and whose nodes hold a clock-based
// serial T, publishes base+index, newer than T when base+index-T < 2^31:
// for any T from 2025 (1.74e9) until 2065 (3e9) and any index below
// 8.8e8 (T - 3e9 + 2^31), so the serial never goes back on upgrade. From there on the serial only grows by the number of
// log entries; it wraps past 2^32 after 1.29e9 entries, which serial
// arithmetic handles (each step is +small): only a node that missed more
// than 2^31 log entries would take a newer serial for an older one.
//
// Clients listed in hub.yaml itself (not administered) are catalog
// members too, but no log entry counts them: hubs agree on the catalog
// only if the operator keeps that part of hub.yaml the same on every hub.
// A member list changed by hub.yaml alone is published under the current
// serial + 1 (the serial must move) and the hubs agree again at the next
// change of the administered client list.
//
// A backup carries the catalog serial of the hub it was taken from, as
// the administered file catalog-floor.json (backup.go). A cluster
// started again from it (every hub lost: the Raft log begins again at
// index 1) would otherwise publish under serials lower than the nodes
// hold, which they would ignore; the floor is seeded with the restored
// state, so every hub derives instead
//
//	serial = floor + catalogRestoreMargin + (index - the floor's index)
//
// above the backup's serial by more than the log entries a cluster makes
// between a backup and its loss. A floor from a clock-based hub (not
// newer than the base) is ignored: base + index is above it anyway. A
// single hub restored from a backup, without a stored catalog, starts
// above the floor too.
const (
	catalogSerialBase    = 3_000_000_000
	catalogRestoreMargin = 1 << 20
	adminCatalogFloor    = "catalog-floor.json"
)

// catalogFloor is the content of adminCatalogFloor.
type catalogFloor struct {
	Serial uint32 `json:"serial"`
}

// replicatedCatalogSerial is the serial of the catalog for the
// configuration's client list (its log index and floor).
func replicatedCatalogSerial(cfg *Config) uint32 {
	if cfg.floorKnown && zonever.SerialNewer(cfg.floor, catalogSerialBase) && cfg.clientsIndex >= cfg.floorIndex {
		// Wraps modulo 2^32, as serials do.
		return cfg.floor + catalogRestoreMargin + uint32(cfg.clientsIndex-cfg.floorIndex)
	}
	return uint32(catalogSerialBase + cfg.clientsIndex)
}

// readCatalogFloor reads the floor in the admin directory root, if any.
func readCatalogFloor(root string) (uint32, bool) {
	data, err := os.ReadFile(filepath.Join(root, adminCatalogFloor))
	var f catalogFloor
	if err != nil || json.Unmarshal(data, &f) != nil || f.Serial == 0 {
		return 0, false
	}
	return f.Serial, true
}

// catalogZone returns the served catalog zone for cfg, loading it from
// storage when it is new (first start, or a renamed catalog). Called with
// h.mu held.
func (h *Hub) catalogZone(cfg *Config) (*servedZone, error) {
	if z := h.zones[cfg.Catalog]; z != nil && z.client == "" {
		return z, nil
	}
	return h.loadZone(cfg.Catalog, "")
}

// loadConfig reads the configuration file with the administered files as
// one state (no replicated change is half applied under it) and notes the
// log index of the client list it holds, from which the catalog serial
// is derived.
func (h *Hub) loadConfig(path string) (*Config, error) {
	h.adminFiles.RLock()
	defer h.adminFiles.RUnlock()
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if node := h.replNode.Load(); node != nil {
		cfg.clientsIndex, cfg.clientsIndexKnown = node.LastWrite(AdminClients), true
		cfg.floorIndex = node.LastWrite(adminCatalogFloor)
		cfg.floor, cfg.floorKnown = readCatalogFloor(AdminPath(cfg.Storage))
	}
	return cfg, nil
}

// catalogReplicationStarted publishes the catalog under its replicated
// serial once the replica is up (the configuration the hub started with
// was read before it, without the index).
func (h *Hub) catalogReplicationStarted(node *replica.Node) {
	h.replNode.Store(node)
	if h.config().Path == "" {
		return
	}
	if err := h.ReloadFile(); err != nil {
		h.log.Error("catalog: could not publish the replicated serial", "err", err)
	}
}

// catalogUpdate is a catalog version built and stored for a
// configuration, not yet served.
type catalogUpdate struct {
	next    *content
	members int
}

// nextCatalog builds and stores the catalog version for members when the
// member list changed, or (replicated hubs) when the client list was
// written again; nil when the catalog stays as it is. The serial only ever
// moves forward, so nodes and Knot see a normal IXFR. Nothing is served
// until publishCatalog. Called with h.mu held.
func (h *Hub) nextCatalog(z *servedZone, members []string, cfg *Config) (*catalogUpdate, error) {
	cur := z.current()
	serial, publish := h.catalogSerial(cur, members, cfg)
	if !publish {
		return nil, nil
	}
	v, err := catalog.Build(z.origin, serial, members)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var deltas []zonever.Delta
	if cur != nil {
		deltas = []zonever.Delta{zonever.Diff(cur, v)}
	}
	next := h.withDeltas(z, v, deltas)
	if err := h.store.Save(next.version, next.journal); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &catalogUpdate{next: next, members: len(members)}, nil
}

// publishCatalog serves u (from nextCatalog) and tells the nodes; it
// cannot fail. Called with h.mu held and cfg in service.
func (h *Hub) publishCatalog(z *servedZone, u *catalogUpdate, cfg *Config) {
	if u == nil {
		return
	}
	z.cur.Store(u.next)
	if cfg.clientsIndexKnown {
		h.catalogIndex = cfg.clientsIndex
	}
	soa := u.next.version.SOA()
	h.log.Info("catalog updated", "zone", z.origin, "serial", soa.Serial, "members", u.members)
	h.notifier.zoneChanged(z.origin, soa)
}

// catalogSerial says whether to publish members, and under which serial.
func (h *Hub) catalogSerial(cur *zonever.Version, members []string, cfg *Config) (uint32, bool) {
	same := cur != nil && catalog.SameMembers(cur, members)
	next := func() uint32 { return cur.Serial() + 1 }
	if cfg.Replication == nil {
		if same {
			return 0, false
		}
		// A time-based serial stays ahead of what nodes hold even if the
		// stored catalog was lost; cur+1 wins when the clock is behind.
		serial := uint32(time.Now().Unix())
		if cur != nil && !zonever.SerialNewer(serial, cur.Serial()) {
			serial = next()
		}
		if cur == nil && cfg.Storage != "" {
			// Restored from a backup of a hub ahead of this clock.
			if floor, ok := readCatalogFloor(AdminPath(cfg.Storage)); ok && !zonever.SerialNewer(serial, floor) {
				serial = floor + 1
			}
		}
		return serial, true
	}
	switch {
	case !cfg.clientsIndexKnown:
		// Read before the replica started: the stored catalog is kept
		// until catalogReplicationStarted publishes the replicated one.
		return 0, false
	case cfg.clientsIndex < h.catalogIndex:
		// A reload that read the files before a newer replicated change
		// was published: publishing it would go back.
		return 0, false
	}
	serial := replicatedCatalogSerial(cfg)
	switch {
	case cur == nil || zonever.SerialNewer(serial, cur.Serial()):
		// Even with the same members: every hub then serves the same
		// serial for the same client list.
		return serial, true
	case same:
		return 0, false
	}
	// The members changed with no change of the administered client list
	// (hub.yaml's own clients): the serial must still move forward.
	h.log.Warn("catalog members changed by the configuration file, not by the replicated client list: serial raised by one; keep the clients in hub.yaml the same on every hub",
		"zone", cur.SOA().Hdr.Name, "serial", next())
	return next(), true
}
