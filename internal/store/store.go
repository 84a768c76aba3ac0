package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
	"anycloud/internal/zonever"
)

// Store is a directory of zone versions.
type Store struct {
	dir string

	mu      sync.Mutex
	base    map[string]uint32 // serial of each zone file on disk
	damaged map[string]bool   // zones whose last Load dropped a damaged journal
	log     *slog.Logger      // damage found while loading; nil: silent
}

// SetLogger makes Load report a damaged journal (the version is then served
// from the zone file, older, until the next transfer).
func (s *Store) SetLogger(l *slog.Logger) { s.log = l }

const (
	zoneSuffix    = ".zone"
	journalSuffix = ".journal"
	metaSuffix    = ".meta.json"
	rejectedDir   = "rejected"
)

// Open creates dir if needed and returns the store in it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, rejectedDir), 0o750); err != nil {
		return nil, fmt.Errorf("storage directory: %w", err)
	}
	return &Store{dir: dir, base: map[string]uint32{}, damaged: map[string]bool{}}, nil
}

func (s *Store) path(origin, suffix string) string {
	return filepath.Join(s.dir, fileBase(origin)+suffix)
}

// Save makes v durable. When the journal j leads from the zone file on disk
// to v, only the journal is rewritten (small); otherwise the zone file is
// written, then the journal. A crash between the two leaves a journal that
// does not lead to the zone file's serial, which Load discards.
func (s *Store) Save(v *zonever.Version, j *zonever.Journal) error {
	if s.journalReaches(v, j) {
		if err := s.saveJournal(v.Origin, j); err != nil {
			return err
		}
		return nil
	}
	err := writeAtomic(s.path(v.Origin, zoneSuffix), func(w io.Writer) error {
		fmt.Fprintf(w, "; anycloud zone %s serial %d, %d records\n", v.Origin, v.Serial(), v.Len())
		return writeVersion(w, v)
	})
	if err != nil {
		return fmt.Errorf("save %s: %w", v.Origin, err)
	}
	s.setBase(v.Origin, v.Serial())
	return s.saveJournal(v.Origin, j)
}

func (s *Store) saveJournal(origin string, j *zonever.Journal) error {
	err := writeAtomic(s.path(origin, journalSuffix), func(w io.Writer) error {
		return writeRRs(w, zonever.Flatten(j.Deltas()))
	})
	if err != nil {
		return fmt.Errorf("save journal of %s: %w", origin, err)
	}
	return nil
}

// journalReaches reports whether j leads from the zone file on disk to v.
func (s *Store) journalReaches(v *zonever.Version, j *zonever.Journal) bool {
	s.mu.Lock()
	base, ok := s.base[v.Origin]
	s.mu.Unlock()
	if !ok || base == v.Serial() {
		return false
	}
	deltas, ok := j.Since(base)
	return ok && deltas[len(deltas)-1].To.Serial == v.Serial()
}

func (s *Store) setBase(origin string, serial uint32) {
	s.mu.Lock()
	s.base[dns.CanonicalName(origin)] = serial
	s.mu.Unlock()
}

// Load returns the stored version of origin and its journal, or nil, nil,
// nil when nothing is stored.
func (s *Store) Load(origin string) (*zonever.Version, *zonever.Journal, error) {
	s.mu.Lock()
	delete(s.damaged, dns.CanonicalName(origin))
	s.mu.Unlock()
	v, err := loadVersion(s.path(origin, zoneSuffix), origin)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	s.setBase(origin, v.Serial())
	j := s.loadJournal(v)
	if deltas, ok := j.Since(v.Serial()); ok {
		newer, err := zonever.Apply(v, deltas)
		if err == nil {
			return newer, j, nil
		}
		s.markDamaged(v, err)
		return v, nil, nil // a journal that does not apply is dropped
	}
	if end := j.Deltas(); len(end) > 0 && end[len(end)-1].To.Serial == v.Serial() {
		return v, j, nil
	}
	return v, nil, nil
}

// loadJournal reads the journal; a missing or damaged one is empty (nodes
// then get a full transfer instead of an IXFR).
func (s *Store) loadJournal(v *zonever.Version) *zonever.Journal {
	rrs, err := readRRs(s.path(v.Origin, journalSuffix), v.Origin)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		s.markDamaged(v, err)
		return nil
	}
	deltas, err := zonever.ParseDeltas(rrs)
	if err != nil {
		s.markDamaged(v, err)
		return nil
	}
	if len(deltas) == 0 {
		return nil
	}
	return zonever.NewJournal(deltas)
}

func (s *Store) markDamaged(v *zonever.Version, err error) {
	s.mu.Lock()
	s.damaged[dns.CanonicalName(v.Origin)] = true
	s.mu.Unlock()
	if s.log != nil {
		s.log.Error("journal damaged: ignored; the zone file's version may be older than the last one saved (IXFR from an older serial gets a full transfer)",
			"zone", v.Origin, "zone_file_serial", v.Serial(), "err", err)
	}
}

// JournalDamaged reports whether the last Load of origin found its journal
// damaged and dropped it: the zone file's version it returned may then be
// older than the last version saved.
func (s *Store) JournalDamaged(origin string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.damaged[dns.CanonicalName(origin)]
}

// Remove deletes everything stored for origin except rejected versions.
func (s *Store) Remove(origin string) error {
	s.mu.Lock()
	delete(s.base, dns.CanonicalName(origin))
	s.mu.Unlock()
	for _, suffix := range []string{zoneSuffix, journalSuffix, metaSuffix} {
		if err := os.Remove(s.path(origin, suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return syncDir(s.dir)
}

// SaveMeta stores small per-zone state (timers) as JSON.
func (s *Store) SaveMeta(origin string, meta any) error {
	return writeAtomic(s.path(origin, metaSuffix), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(meta)
	})
}

// LoadMeta reads what SaveMeta stored into meta; a missing file is not an
// error and leaves meta untouched.
func (s *Store) LoadMeta(origin string, meta any) error {
	data, err := os.ReadFile(s.path(origin, metaSuffix))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(data, meta)
}

// writeVersion writes every record of v, one at a time (a held version's
// records are rebuilt from its snapshot as they are written). A large list
// of records is formatted on every CPU: the hub writes a version that came
// whole before it serves it, and a million records take seconds to format.
func writeVersion(w io.Writer, v *zonever.Version) error {
	if !v.IsHeld() && len(v.RRs) >= 4*formatChunk {
		return writeParallel(w, v.RRs)
	}
	return v.Each(func(rr dns.RR) error {
		_, err := io.WriteString(w, storedText(rr)+"\n")
		return err
	})
}

// formatChunk is how many records one goroutine formats at a time.
const formatChunk = 1 << 15

// writeParallel formats chunks of rrs concurrently, at most one chunk per
// CPU ahead of the writer, and writes them in order.
func writeParallel(w io.Writer, rrs []dns.RR) error {
	n := (len(rrs) + formatChunk - 1) / formatChunk
	done := make([]chan []byte, n)
	for i := range done {
		done[i] = make(chan []byte, 1)
	}
	ahead := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	go func() {
		for i := range n {
			ahead <- struct{}{}
			go func() {
				var b []byte
				for _, rr := range rrs[i*formatChunk : min((i+1)*formatChunk, len(rrs))] {
					b = append(append(b, storedText(rr)...), '\n')
				}
				done[i] <- b
			}()
		}
	}()
	var err error
	for i := range n {
		b := <-done[i]
		<-ahead
		if err == nil { // after an error, still take every chunk so no goroutine is left waiting
			_, err = w.Write(b)
		}
	}
	return err
}

func writeRRs(w io.Writer, rrs []dns.RR) error {
	for _, rr := range rrs {
		if _, err := io.WriteString(w, storedText(rr)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// loadVersion reads a stored zone file straight into its serving snapshot,
// parsed on every CPU as `anycloud serve` loads files, and returns it as a
// held version: a restarted node answers from disk in the time a file
// load takes, without building two million dns.RR values first. A file
// the engine refuses is read record by record instead, so that it is
// still served as it was before the restart if it can be.
func loadVersion(path, origin string) (*zonever.Version, error) {
	z, err := zone.Load(origin, path)
	if err == nil {
		return zonever.FromSnapshot(origin, z), nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	rrs, err := readRRs(path, origin)
	if err != nil {
		return nil, err
	}
	v, err := zonever.New(origin, rrs)
	if err != nil {
		return nil, fmt.Errorf("stored %s: %w", origin, err)
	}
	return v, nil
}

func readRRs(path, origin string) ([]dns.RR, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zp := dns.NewZoneParser(f, dns.CanonicalName(origin), path)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rrs, nil
}
