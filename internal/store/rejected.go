package store

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"anycloud/internal/zonever"
)

// RejectedLimits bound the rejected copies kept per zone, so a primary that
// publishes a refused version on every query cannot fill the disk: the
// oldest copies are removed first. Zero fields mean no bound.
type RejectedLimits struct {
	MaxCopies int   // files per zone
	MaxBytes  int64 // bytes of those files together
}

// ErrRejectedTooLarge is returned when one rejected copy alone is over
// RejectedLimits.MaxBytes; it is then not kept at all.
var ErrRejectedTooLarge = errors.New("larger than the bytes allowed for the rejected copies of a zone")

// SaveRejected keeps a refused version for inspection, with the reason as
// its first line, then removes the zone's oldest rejected copies until lim
// holds, and returns the file's path and how many copies were removed.
func (s *Store) SaveRejected(v *zonever.Version, reason string, lim RejectedLimits) (path string, evicted int, err error) {
	path = filepath.Join(s.dir, rejectedDir, rejectedName(v.Origin, v.Serial()))
	err = writeAtomic(path, func(w io.Writer) error {
		if lim.MaxBytes > 0 {
			w = &cappedWriter{w: w, left: lim.MaxBytes}
		}
		fmt.Fprintf(w, "; rejected: %s\n", strings.ReplaceAll(reason, "\n", " "))
		return writeVersion(w, v)
	})
	if err != nil {
		return "", 0, err
	}
	evicted, err = s.pruneRejected(v.Origin, path, lim)
	return path, evicted, err
}

func rejectedName(origin string, serial uint32) string {
	return fmt.Sprintf("%s.%d%s", fileBase(origin), serial, zoneSuffix)
}

// cappedWriter fails once more than left bytes are written, which makes
// writeAtomic drop its temp file before the copy reaches the disk whole.
type cappedWriter struct {
	w    io.Writer
	left int64
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		return 0, ErrRejectedTooLarge
	}
	c.left -= int64(len(p))
	return c.w.Write(p)
}

type rejectedFile struct {
	path string
	size int64
	mod  int64 // modification time, ns
}

// RejectedCopies returns the rejected copies kept for origin, oldest first.
func (s *Store) RejectedCopies(origin string) ([]string, error) {
	files, err := s.rejectedFiles(origin)
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, err
}

// rejectedFiles lists origin's rejected copies, oldest first. A file of
// another zone never matches: after "BASE." comes a serial and ".zone"
// alone, while another zone's base would add at least a label.
func (s *Store) rejectedFiles(origin string) ([]rejectedFile, error) {
	dir := filepath.Join(s.dir, rejectedDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	prefix := fileBase(origin) + "."
	var out []rejectedFile
	for _, e := range entries {
		serial, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		serial, ok = strings.CutSuffix(serial, zoneSuffix)
		if _, err := strconv.ParseUint(serial, 10, 32); !ok || err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, rejectedFile{path: filepath.Join(dir, e.Name()), size: info.Size(), mod: info.ModTime().UnixNano()})
	}
	slices.SortFunc(out, func(a, b rejectedFile) int {
		return cmp.Or(cmp.Compare(a.mod, b.mod), strings.Compare(a.path, b.path))
	})
	return out, nil
}

// pruneRejected removes origin's oldest rejected copies, never keep (the
// one just written), until lim holds.
func (s *Store) pruneRejected(origin, keep string, lim RejectedLimits) (int, error) {
	if lim.MaxCopies <= 0 && lim.MaxBytes <= 0 {
		return 0, nil
	}
	files, err := s.rejectedFiles(origin)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, f := range files {
		total += f.size
	}
	count, removed := len(files), 0
	for _, f := range files {
		over := (lim.MaxCopies > 0 && count > lim.MaxCopies) || (lim.MaxBytes > 0 && total > lim.MaxBytes)
		if !over {
			break
		}
		if f.path == keep {
			continue
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, err
		}
		count, total, removed = count-1, total-f.size, removed+1
	}
	if removed > 0 {
		return removed, syncDir(filepath.Dir(keep))
	}
	return 0, nil
}
