package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"anycloud/internal/replica"
	"anycloud/internal/yamlconf"
)

// Every change of the administered state goes through adminWrite: the
// caller's mutate reads the files it needs from an adminTx and says what
// to write or remove, and adminWrite makes it happen.
//
//   - a single hub writes the files (0600, atomically) and reloads when
//     clients, nodes or keys changed; a refused reload puts the files back;
//   - a replicated hub first checks the result would load (on a copy),
//     then submits the change to the Raft log; every hub, this one
//     included, applies it to its own files and reloads (adminReplicated).
//     A change computed from a state another hub has changed meanwhile is
//     refused by the log and computed again from the new files.
//
// A new administrative operation is replicated by doing its writes in a
// mutate function passed to adminWrite, and nothing else.
func (h *Hub) adminWrite(mutate func(tx *adminTx) error) error {
	h.onb.adminMu.Lock()
	defer h.onb.adminMu.Unlock()
	root := adminPath(h.config().Storage)
	for attempt := 1; ; attempt++ {
		tx := newAdminTx(root)
		if err := mutate(tx); err != nil {
			return err
		}
		if len(tx.order) == 0 {
			return nil
		}
		if h.repl == nil {
			return h.applyAdminLocal(tx)
		}
		if tx.needsReload() {
			if err := h.checkAdmin(tx); err != nil {
				return &adminRefused{err}
			}
		}
		err := h.repl.Submit(context.Background(), tx.change())
		if !errors.Is(err, replica.ErrConflict) || attempt == maxAdminAttempts {
			return err
		}
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
}

// maxAdminAttempts bounds recomputations after conflicts: each one means
// another hub's change got in first.
const maxAdminAttempts = 8

// adminRefused says the hub's configuration would not load with the
// change, so nothing changed.
type adminRefused struct{ err error }

func (e *adminRefused) Error() string { return e.err.Error() }
func (e *adminRefused) Unwrap() error { return e.err }

// refusedAs words an adminWrite error for the operator.
func refusedAs(err error, what string) error {
	var r *adminRefused
	if errors.As(err, &r) {
		return fmt.Errorf("the hub refused the new %s, nothing changed: %w", what, r.err)
	}
	return err
}

// applyAdminLocal is the single hub's write: the files, then the reload.
func (h *Hub) applyAdminLocal(tx *adminTx) error {
	var paths []string
	for _, name := range tx.order {
		paths = append(paths, tx.path(name))
	}
	h.adminFiles.Lock()
	snap := snapshotFiles(paths...)
	var err error
	for _, name := range tx.order {
		if data, ok := tx.files[name]; ok {
			err = replica.WriteFile(tx.root, name, data)
		} else if rerr := os.Remove(tx.path(name)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = rerr
		}
		if err != nil {
			break
		}
	}
	h.adminFiles.Unlock()
	if err == nil && tx.needsReload() {
		if err = h.ReloadFile(); err != nil {
			err = &adminRefused{err}
		}
	}
	if err != nil {
		h.adminFiles.Lock()
		restoreFiles(snap)
		h.adminFiles.Unlock()
		return err
	}
	h.adminChanged(tx.order, false)
	return nil
}

// checkAdmin loads the configuration with the change applied to a copy of
// the administered files, so a change every hub would refuse never enters
// the log.
func (h *Hub) checkAdmin(tx *adminTx) error {
	cfg := h.config()
	if cfg.Path == "" {
		return nil
	}
	tmp, err := os.MkdirTemp(cfg.Storage, ".admin-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	h.adminFiles.RLock()
	files, err := replica.ReadTree(tx.root)
	h.adminFiles.RUnlock()
	if err != nil {
		return err
	}
	for name, data := range tx.files {
		files[name] = data
	}
	for _, name := range tx.order {
		if _, ok := tx.files[name]; !ok {
			delete(files, name)
		}
	}
	for name, data := range files {
		if err := replica.WriteFile(tmp, name, data); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(cfg.Path)
	if err != nil {
		return err
	}
	var f File
	if err := yamlconf.Decode(data, &f); err != nil {
		return err
	}
	if err := f.mergeAdministeredFrom(tmp); err != nil {
		return err
	}
	_, err = f.validate(filepath.Dir(cfg.Path))
	return err
}

// adminReplicated is called for every change the log applied here,
// whoever made it: the hub reloads what changed.
func (h *Hub) adminReplicated(names []string) {
	h.adminChanged(names, true)
}

// adminChanged refreshes what the hub keeps in memory from the files
// named; reload says the configuration is read again too.
func (h *Hub) adminChanged(names []string, reload bool) {
	needsReload, progress := false, false
	for _, n := range names {
		needsReload = needsReload || reloadsOn(n)
		progress = progress || n == adminOnboarding
	}
	if progress {
		h.onb.mu.Lock()
		h.onb.loaded = false
		h.onb.mu.Unlock()
		if reload {
			h.publishAllOnboarding() // another hub's check results
		}
	}
	if reload && needsReload {
		before := clientZones(h.config())
		if err := h.ReloadFile(); err != nil {
			h.log.Error("a replicated administrative change does not load with this hub's configuration file; it keeps its previous configuration", "err", err)
		} else {
			h.askMovedPrimaries(before)
		}
	}
	if reload && slices.Contains(names, adminRemoved) {
		h.purgeLocal() // another hub ended a grace period: this hub's stored versions go too
	}
}

// askMovedPrimaries has each zone whose primaries changed (`client set`
// at another hub) ask its new primaries at once, as at the hub where the
// change was made.
func (h *Hub) askMovedPrimaries(before map[string]Client) {
	for zone, c := range clientZones(h.config()) {
		old, ok := before[zone]
		if !ok || slices.Equal(old.Primaries, c.Primaries) {
			continue
		}
		if sz := h.lookup(zone); sz != nil && sz.sec != nil {
			sz.sec.Notify()
		}
	}
}

// reloadsOn says whether a change of the named file needs a reload.
func reloadsOn(name string) bool {
	return name == adminClients || name == adminNodes || name == adminNodeSites || strings.HasPrefix(name, adminKeys+"/")
}

// adminTx is one change being computed: the state of each file when
// first read (the change's precondition) and the writes, in order.
type adminTx struct {
	root  string
	base  map[string]string
	files map[string][]byte // written; a name in order but not here is removed
	order []string
}

func newAdminTx(root string) *adminTx {
	return &adminTx{root: root, base: map[string]string{}, files: map[string][]byte{}}
}

func (tx *adminTx) path(name string) string { return filepath.Join(tx.root, filepath.FromSlash(name)) }

// read returns a file's content as this change sees it (nil: missing).
func (tx *adminTx) read(name string) ([]byte, error) {
	if data, ok := tx.files[name]; ok {
		return data, nil
	}
	for _, n := range tx.order {
		if n == name {
			return nil, nil // removed by this change
		}
	}
	data, err := os.ReadFile(tx.path(name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if _, seen := tx.base[name]; !seen {
		tx.base[name] = replica.Hash(data, err == nil)
	}
	return data, nil
}

// exists says whether a key file named as a client or node names it
// exists: one in the admin directory as this change sees it (recording
// the precondition, so a concurrent purge of the key conflicts), another
// on disk.
func (tx *adminTx) exists(file string) error {
	if name := tx.keyName(file); name != "" {
		data, err := tx.read(name)
		if err == nil && data == nil {
			err = os.ErrNotExist
		}
		return err
	}
	_, err := os.Stat(file)
	return err
}

// keyName is the admin-directory name ("keys/NAME.key") of a key file
// named relative to the admin directory or by its absolute path inside
// the administered keys directory; "" for any other file (the
// operator's, never written nor deleted by the hub).
func (tx *adminTx) keyName(file string) string {
	if file == "" {
		return ""
	}
	name := filepath.ToSlash(file)
	if filepath.IsAbs(file) {
		root, err := filepath.Abs(tx.root)
		if err != nil {
			return ""
		}
		rel, err := filepath.Rel(root, file)
		if err != nil {
			return ""
		}
		name = filepath.ToSlash(rel)
	}
	if path.Dir(name) != adminKeys || replica.ValidName(name) != nil {
		return ""
	}
	return name
}

func (tx *adminTx) readYAML(name string, out any) error {
	data, err := tx.read(name)
	if err != nil || strings.TrimSpace(string(data)) == "" {
		return err
	}
	if err := yamlconf.Decode(data, out); err != nil {
		return fmt.Errorf("%s: %w", tx.path(name), err)
	}
	return nil
}

// readJSON decodes a JSON file; an unreadable one counts as empty, as the
// hub has always treated it.
func (tx *adminTx) readJSON(name string, out any) error {
	data, err := tx.read(name)
	if err != nil || len(data) == 0 {
		return err
	}
	json.Unmarshal(data, out)
	return nil
}

func (tx *adminTx) write(name string, data []byte) {
	tx.read(name) // records the precondition
	if _, ok := tx.files[name]; !ok {
		tx.order = appendOnce(tx.order, name)
	}
	tx.files[name] = data
}

func (tx *adminTx) remove(name string) {
	tx.read(name)
	delete(tx.files, name)
	tx.order = appendOnce(tx.order, name)
}

func (tx *adminTx) writeYAML(name string, v any) error {
	data, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	tx.write(name, append([]byte("# Written by the anycloud hub (client add / node add). Edit with care.\n"), data...))
	return nil
}

func (tx *adminTx) writeJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tx.write(name, data)
	return nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (tx *adminTx) needsReload() bool {
	for _, n := range tx.order {
		if reloadsOn(n) {
			return true
		}
	}
	return false
}

// change is the log entry: each file with its precondition.
func (tx *adminTx) change() replica.Change {
	var c replica.Change
	for _, name := range tx.order {
		data, ok := tx.files[name]
		c.Files = append(c.Files, replica.FileChange{Name: name, Base: tx.base[name], Data: data, Delete: !ok})
	}
	return c
}
