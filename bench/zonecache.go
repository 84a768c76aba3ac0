package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// zoneSet is the prepared input of one benchmark: the unsigned zone, its
// NSEC3 opt-out signed variant and the dnsperf query file, all cached in
// one directory named after the parameters that shaped them.
type zoneSet struct {
	Shape    zoneShape
	Dir      string
	Unsigned string
	Signed   string
	Queries  string
}

// cacheName keys the cache directory on every parameter that changes the
// files; bump the trailing version when the generator itself changes.
func cacheName(s zoneShape, queries int) string {
	return fmt.Sprintf("%sd%d-ds%d-glue%d-q%d-v1",
		strings.TrimSuffix(s.Origin, "."), s.Delegations, s.DSPercent, s.GluePercent, queries)
}

// prepareZones creates (or reuses) the zone files and query file. Each
// file is written under a temporary name and renamed when complete, so an
// interrupted run never leaves a truncated file that a rerun would trust.
func prepareZones(ctx context.Context, log *slog.Logger, workDir string, s zoneShape, queries int) (*zoneSet, error) {
	// Absolute, because the signer runs in the key directory.
	dir, err := filepath.Abs(filepath.Join(workDir, cacheName(s, queries)))
	if err != nil {
		return nil, err
	}
	zs := &zoneSet{Shape: s, Dir: dir,
		Unsigned: filepath.Join(dir, "zone.unsigned"),
		Signed:   filepath.Join(dir, "zone.signed"),
		Queries:  filepath.Join(dir, "queries.txt"),
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create zone cache: %w", err)
	}
	keys, err := ensureKeys(ctx, log, filepath.Join(dir, "keys"), s.Origin)
	if err != nil {
		return nil, err
	}
	if err := ensureFile(log, zs.Unsigned, func(path string) error {
		return writeFileWith(path, func(f *os.File) error { return s.writeZone(f, keys.dnskeys) })
	}); err != nil {
		return nil, err
	}
	expireStale(log, zs.Signed, signatureReuse)
	if err := ensureFile(log, zs.Signed, func(path string) error {
		return signZone(ctx, log, s.Origin, zs.Unsigned, keys, path)
	}); err != nil {
		return nil, err
	}
	err = ensureFile(log, zs.Queries, func(path string) error {
		return writeFileWith(path, func(f *os.File) error { return writeQueries(f, s, queries) })
	})
	return zs, err
}

// signatureReuse is how long a cached signed zone is used: the signatures
// last 30 days, and a benchmark must not serve expired ones.
const signatureReuse = 20 * 24 * time.Hour

// expireStale removes path when it is older than maxAge.
func expireStale(log *slog.Logger, path string, maxAge time.Duration) {
	if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) > maxAge {
		log.Info("cached file too old, recreating", "path", path)
		os.Remove(path)
	}
}

// ensureFile runs make unless path already exists; make writes to a
// temporary sibling that is renamed into place on success.
func ensureFile(log *slog.Logger, path string, make func(tmp string) error) error {
	if _, err := os.Stat(path); err == nil {
		log.Info("reusing cached file", "path", path)
		return nil
	}
	tmp := path + ".tmp"
	start := time.Now()
	if err := make(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create %s: %w", filepath.Base(path), err)
	}
	log.Info("created file", "path", path, "took", time.Since(start).Round(time.Millisecond))
	return os.Rename(tmp, path)
}

func writeFileWith(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
