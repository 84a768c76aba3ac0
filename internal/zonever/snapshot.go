package zonever

import (
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// snapshotCache holds the serving snapshot built from a version, so the one
// built by the hub's gate or a node's publish is built once and the next
// version can be patched from it instead of rebuilt whole.
type snapshotCache struct {
	once  sync.Once
	z     *zone.Zone
	err   error
	ready atomic.Pointer[zone.Zone] // z once built without error
}

// Snapshot returns the serving snapshot of v. When prev has its snapshot and
// deltas lead from prev's serial to v's, the snapshot is patched from prev's
// (a small change to a large zone then costs about a second, not a full
// parse); otherwise it is built from every record.
func (v *Version) Snapshot(prev *Version, deltas []Delta) (*zone.Zone, error) {
	v.snap.once.Do(func() {
		if z, ok := patchFrom(prev, deltas, v.Serial()); ok {
			v.snap.z = z
			return
		}
		v.snap.z, v.snap.err = zone.Build(v.Origin, v.RRs)
	})
	if v.snap.err == nil {
		v.snap.ready.Store(v.snap.z)
	}
	return v.snap.z, v.snap.err
}

// built returns the snapshot once Snapshot built it without error, else nil.
func (c *snapshotCache) built() *zone.Zone { return c.ready.Load() }

// patchFrom applies deltas to prev's snapshot; ok is false when that is not
// possible (no snapshot yet, deltas that do not chain, a delta that does not
// apply), and the caller builds from scratch.
func patchFrom(prev *Version, deltas []Delta, serial uint32) (*zone.Zone, bool) {
	if prev == nil || len(deltas) == 0 || prev.snap.z == nil {
		return nil, false
	}
	z := prev.snap.z
	if deltas[0].From == nil || deltas[0].From.Serial != z.Serial() {
		return nil, false
	}
	for _, d := range deltas {
		if d.From == nil || d.To == nil || d.From.Serial != z.Serial() {
			return nil, false
		}
		var err error
		if z, err = patchOne(z, d); err != nil {
			return nil, false
		}
	}
	return z, z.Serial() == serial
}

// patchOne applies one delta to a snapshot.
func patchOne(z *zone.Zone, d Delta) (*zone.Zone, error) {
	// Fresh slices: the delta's own are shared with the journal.
	deleted := append(append(make([]dns.RR, 0, len(d.Deleted)+1), d.Deleted...), d.From)
	added := append(append(make([]dns.RR, 0, len(d.Added)+1), d.Added...), d.To)
	return zone.Patch(z, deleted, added)
}
