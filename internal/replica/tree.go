package replica

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Bounds on the replicated directory: its files are YAML lists, JSON maps
// and TSIG secrets, so a few thousand clients fit well inside them. A
// change, a snapshot and a tree read from disk are all held to them.
const (
	MaxFiles     = 20000
	MaxFileBytes = 4 << 20
	MaxTreeBytes = 64 << 20
	maxNameLen   = 200
	maxDepth     = 3
)

// FileChange is one file of a change: Data replaces the file (Delete
// removes it) provided the file still holds what Base names (the hex
// SHA-256 of the content it was computed from, "" for a missing file).
type FileChange struct {
	Name   string `json:"name"`
	Base   string `json:"base"`
	Data   []byte `json:"data,omitempty"`
	Delete bool   `json:"delete,omitempty"`
}

// Change is one log entry. A Seed replaces the whole directory and is only
// applied as the cluster's first change (the state a hub had before
// replication was turned on).
type Change struct {
	Files []FileChange `json:"files"`
	Seed  bool         `json:"seed,omitempty"`
}

// Hash names content for FileChange.Base ("" for a missing file).
func Hash(data []byte, present bool) string {
	if !present {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ValidName reports whether name may be a replicated file: relative,
// clean, slash-separated, a few levels deep, plain characters, and not a
// temporary file of an atomic write.
func ValidName(name string) error {
	if name == "" || len(name) > maxNameLen || path.Clean(name) != name || path.IsAbs(name) ||
		strings.HasPrefix(name, "../") || name == ".." || strings.Count(name, "/") >= maxDepth || strings.HasSuffix(name, ".tmp") {
		return fmt.Errorf("replicated file name %q refused", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." || strings.HasPrefix(part, ".") {
			return fmt.Errorf("replicated file name %q refused", name)
		}
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '/') {
			return fmt.Errorf("replicated file name %q refused", name)
		}
	}
	return nil
}

// Check validates a change from a peer against the bounds.
func (c *Change) Check() error {
	if len(c.Files) > MaxFiles {
		return fmt.Errorf("change of %d files, more than %d", len(c.Files), MaxFiles)
	}
	total := 0
	seen := map[string]bool{}
	for _, f := range c.Files {
		if err := ValidName(f.Name); err != nil {
			return err
		}
		if seen[f.Name] {
			return fmt.Errorf("file %s twice in one change", f.Name)
		}
		seen[f.Name] = true
		if len(f.Data) > MaxFileBytes {
			return fmt.Errorf("file %s of %d bytes, more than %d", f.Name, len(f.Data), MaxFileBytes)
		}
		total += len(f.Data)
	}
	if total > MaxTreeBytes {
		return fmt.Errorf("change of %d bytes, more than %d", total, MaxTreeBytes)
	}
	return nil
}

// ReadTree reads every replicated file under root (missing root: none),
// within the bounds; temporary and hidden files are skipped.
func ReadTree(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	total := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return fs.SkipAll
			}
			return err
		}
		if p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || strings.Count(name, "/") >= maxDepth-1 {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || ValidName(name) != nil {
			return nil
		}
		if len(out) >= MaxFiles {
			return fmt.Errorf("%s: more than %d files", root, MaxFiles)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(data) > MaxFileBytes {
			return fmt.Errorf("%s: more than %d bytes", p, MaxFileBytes)
		}
		if total += len(data); total > MaxTreeBytes {
			return fmt.Errorf("%s: more than %d bytes in all", root, MaxTreeBytes)
		}
		out[name] = data
		return nil
	})
	return out, err
}

// WriteFile writes data to root/name through a temporary file, a sync and
// a rename, mode 0600 (the directory holds secrets).
func WriteFile(root, name string, data []byte) error {
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// replaceTree makes root hold exactly files.
func replaceTree(root string, files map[string][]byte) error {
	have, err := ReadTree(root)
	if err != nil {
		return err
	}
	for name, data := range files {
		if old, ok := have[name]; ok && string(old) == string(data) {
			continue
		}
		if err := WriteFile(root, name, data); err != nil {
			return err
		}
	}
	for name := range have {
		if _, keep := files[name]; !keep {
			if err := os.Remove(filepath.Join(root, filepath.FromSlash(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
