package hub

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/replica"
	"anycloud/internal/store"
	"anycloud/internal/zonever"
)

// A backup (`anycloud hub backup FILE`) is a gzip'd tar holding:
//
//	anycloud-backup.json   what it is, when, which zones at which serial
//	admin/...              the administered state: clients, nodes, their
//	                       TSIG secrets, node states and sites, onboarding,
//	                       removed zones (removed.json) and the cloud's
//	                       OpenPGP key (cloud-pgp.asc) when not configured
//	zones/ORIGIN.zone      the version of each client zone in service
//
// It holds every client's and node's secret: the CLI writes it 0600.
// The zones are there so a restored hub feeds its nodes at once, before
// any primary answers; the primaries' newer versions then come in the
// usual way. What is not there: the control token (a restored hub makes
// its own), the Raft log (a restored hub joins its cluster afresh and
// receives the current state), the journals (nodes get one full
// transfer) and the rejected versions.
const (
	backupFormat   = "anycloud-hub-backup 1"
	backupManifest = "anycloud-backup.json"
	// maxBackupZoneBytes bounds one zone's text on restore; zone parsing
	// streams, so it is a bound on time, not memory.
	maxBackupZoneBytes = 4 << 30
	maxBackupEntries   = replica.MaxFiles + 1_000_000
)

// BackupManifest describes a backup.
type BackupManifest struct {
	Format  string         `json:"format"`
	Created time.Time      `json:"created"`
	Zones   []BackupZoneID `json:"zones"`
	Files   int            `json:"admin_files"`
}

// BackupZoneID is one zone in a backup.
type BackupZoneID struct {
	Origin string `json:"origin"`
	Serial uint32 `json:"serial"`
}

// Backup writes a consistent backup: the administered files as one whole
// state (no administrative write is half applied in it) and the version
// of each zone in service when it was taken.
func (h *Hub) Backup(w io.Writer) error {
	h.adminFiles.RLock()
	files, err := portableAdmin(AdminPath(h.config().Storage))
	h.adminFiles.RUnlock()
	if err != nil {
		return err
	}
	versions := map[string]*zonever.Version{}
	catalog := h.config().Catalog
	h.mu.RLock()
	for origin, z := range h.zones {
		if v := z.current(); v != nil && origin != catalog {
			versions[origin] = v
		} else if v != nil && origin == catalog {
			// A hub restored from it starts its catalog above this serial.
			files[adminCatalogFloor], _ = json.Marshal(catalogFloor{Serial: v.Serial()})
		}
	}
	h.mu.RUnlock()
	m := BackupManifest{Format: backupFormat, Created: time.Now().UTC(), Files: len(files)}
	for _, origin := range slices.Sorted(maps.Keys(versions)) {
		m.Zones = append(m.Zones, BackupZoneID{Origin: origin, Serial: versions[origin].Serial()})
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	manifest, _ := json.MarshalIndent(m, "", "  ")
	if err := tarFile(tw, backupManifest, manifest); err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(files))
	for _, name := range names {
		if err := tarFile(tw, "admin/"+name, files[name]); err != nil {
			return err
		}
	}
	for _, z := range m.Zones {
		var b strings.Builder
		if err := versions[z.Origin].Each(func(rr dns.RR) error {
			b.WriteString(rr.String())
			b.WriteByte('\n')
			return nil
		}); err != nil {
			return err
		}
		if err := tarFile(tw, "zones/"+z.Origin+"zone", []byte(b.String())); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func tarFile(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// RestoreBackup puts a backup into storage, which must be a fresh hub's
// (no administered files, no stored zone): the administered files with
// their keys, and each zone's version so the hub serves it at start.
func RestoreBackup(storage string, r io.Reader) (*BackupManifest, error) {
	if err := freshStorage(storage); err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not an anycloud hub backup: %w", err)
	}
	tr := tar.NewReader(gz)
	st, err := store.Open(storage)
	if err != nil {
		return nil, err
	}
	var m *BackupManifest
	admin := map[string][]byte{}
	adminBytes := 0
	for entries := 0; ; entries++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("backup damaged: %w", err)
		}
		if entries > maxBackupEntries {
			return nil, fmt.Errorf("backup of more than %d entries refused", maxBackupEntries)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("backup entry %q is not a plain file", hdr.Name)
		}
		switch {
		case hdr.Name == backupManifest:
			m = &BackupManifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 16<<20)).Decode(m); err != nil || m.Format != backupFormat {
				return nil, fmt.Errorf("not an anycloud hub backup (manifest %v)", err)
			}
		case strings.HasPrefix(hdr.Name, "admin/"):
			name := strings.TrimPrefix(hdr.Name, "admin/")
			if err := replica.ValidName(name); err != nil {
				return nil, err
			}
			if hdr.Size > replica.MaxFileBytes || adminBytes+int(hdr.Size) > replica.MaxTreeBytes || len(admin) >= replica.MaxFiles {
				return nil, fmt.Errorf("backup: administered files over the bounds (%d bytes each, %d in all)", replica.MaxFileBytes, replica.MaxTreeBytes)
			}
			data, err := io.ReadAll(io.LimitReader(tr, replica.MaxFileBytes))
			if err != nil {
				return nil, err
			}
			adminBytes += len(data)
			admin[name] = data
		case strings.HasPrefix(hdr.Name, "zones/") && strings.HasSuffix(hdr.Name, ".zone"):
			if m == nil {
				return nil, errors.New("backup: zones before the manifest")
			}
			if err := restoreZone(st, strings.TrimSuffix(strings.TrimPrefix(hdr.Name, "zones/"), "zone"), tr, hdr.Size); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("backup entry %q unknown", hdr.Name)
		}
	}
	if m == nil {
		return nil, errors.New("not an anycloud hub backup (no manifest)")
	}
	for _, name := range slices.Sorted(maps.Keys(admin)) {
		if err := replica.WriteFile(AdminPath(storage), name, admin[name]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func restoreZone(st *store.Store, origin string, r io.Reader, size int64) error {
	if _, ok := dns.IsDomainName(origin); !ok || size > maxBackupZoneBytes {
		return fmt.Errorf("backup: zone %q refused", origin)
	}
	origin = dns.CanonicalName(origin)
	zp := dns.NewZoneParser(io.LimitReader(r, maxBackupZoneBytes), origin, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("backup: zone %s: %w", origin, err)
	}
	v, err := zonever.New(origin, rrs)
	if err != nil {
		return fmt.Errorf("backup: zone %s: %w", origin, err)
	}
	return st.Save(v, zonever.NewJournal(nil))
}

// freshStorage refuses a storage directory that already holds a hub's
// state: a restore never mixes two.
func freshStorage(storage string) error {
	if storage == "" {
		return errors.New("the configuration names no storage directory")
	}
	files, err := replica.ReadTree(AdminPath(storage))
	if err != nil {
		return err
	}
	zones, _ := filepath.Glob(filepath.Join(storage, "*.zone"))
	if len(files) > 0 || len(zones) > 0 {
		sort.Strings(zones)
		return fmt.Errorf("%s already holds a hub's state (%d administered files, %d zones): restore onto a fresh storage directory", storage, len(files), len(zones))
	}
	if _, err := os.Stat(filepath.Join(storage, replicationDir)); err == nil {
		return fmt.Errorf("%s holds a replication log: restore onto a fresh storage directory", storage)
	}
	return nil
}
