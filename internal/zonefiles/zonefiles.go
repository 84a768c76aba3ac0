// Package zonefiles owns zones that come from master files on disk (the
// serve command): it loads them, reloads those that changed, and publishes
// each new snapshot. A file that fails to load never replaces the version
// being served.
package zonefiles

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"anycloud/internal/zone"
)

// Spec names a zone and its master file.
type Spec struct {
	Origin string
	Path   string
}

// Publisher receives new snapshots; authserver.Server is one.
type Publisher interface {
	Publish(*zone.Zone)
}

// Set is the zone files of one server.
type Set struct {
	specs []Spec
	pub   Publisher
	log   *slog.Logger
	seen  map[string]fileStamp
}

// fileStamp tells whether a file changed since it was loaded.
type fileStamp struct {
	mtime time.Time
	size  int64
}

// New makes a set; nothing is loaded until LoadAll.
func New(specs []Spec, pub Publisher, log *slog.Logger) *Set {
	return &Set{specs: specs, pub: pub, log: log, seen: map[string]fileStamp{}}
}

// LoadAll loads every file; the first error is returned and nothing is
// published, so a server never starts with a zone missing.
func (s *Set) LoadAll() error {
	zones := make([]*zone.Zone, 0, len(s.specs))
	for _, sp := range s.specs {
		start := time.Now()
		z, err := zone.Load(sp.Origin, sp.Path)
		if err != nil {
			return fmt.Errorf("zone %s: %w", sp.Origin, err)
		}
		s.seen[sp.Path] = stamp(sp.Path)
		s.log.Info("zone loaded", "zone", z.Origin(), "serial", z.Serial(), "records", z.Len(), "took", time.Since(start).Round(time.Millisecond))
		zones = append(zones, z)
	}
	for _, z := range zones {
		s.pub.Publish(z)
	}
	return nil
}

// Reload loads the files that changed since they were last loaded; a file
// with errors is reported and its zone keeps being served as it was.
func (s *Set) Reload() {
	for _, sp := range s.specs {
		st := stamp(sp.Path)
		if st == s.seen[sp.Path] {
			continue
		}
		z, err := zone.Load(sp.Origin, sp.Path)
		if err != nil {
			s.log.Error("reload failed, still serving the previous version", "zone", sp.Origin, "err", err)
			continue
		}
		s.seen[sp.Path] = st
		s.pub.Publish(z)
		s.log.Info("zone reloaded", "zone", z.Origin(), "serial", z.Serial(), "records", z.Len())
	}
}

func stamp(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}
