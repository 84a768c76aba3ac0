package admin

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

	"anycloud/internal/hub"
	"anycloud/internal/replica"
	"anycloud/internal/yamlconf"
)

// Every change of the administered state goes through write: the
// caller's mutate reads the files it needs from an adminTx and says what
// to write or remove, and write makes it happen.
//
//   - a single hub writes the files (0600, atomically) and reloads when
//     clients, nodes or keys changed; a refused reload puts the files back;
//   - a replicated hub first checks the result would load (on a copy),
//     then submits the change to the Raft log; every hub, this one
//     included, applies it to its own files and reloads (the hub's
//     adminReplicated, then Replicated here).
//     A change computed from a state another hub has changed meanwhile is
//     refused by the log and computed again from the new files.
//
// A new administrative operation is replicated by doing its writes in a
// mutate function passed to write, and nothing else.
func (a *Admin) write(mutate func(tx *adminTx) error) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	root := hub.AdminPath(a.h.Config().Storage)
	for attempt := 1; ; attempt++ {
		tx := newAdminTx(root)
		if err := mutate(tx); err != nil {
			return err
		}
		if len(tx.order) == 0 {
			return nil
		}
		if a.h.Replica() == nil {
			return a.applyAdminLocal(tx)
		}
		if tx.needsReload() {
			if err := a.checkAdmin(tx); err != nil {
				return &adminRefused{err}
			}
		}
		err := a.h.Replica().Submit(context.Background(), tx.change())
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

// refusedAs words a write error for the operator.
func refusedAs(err error, what string) error {
	var r *adminRefused
	if errors.As(err, &r) {
		return fmt.Errorf("the hub refused the new %s, nothing changed: %w", what, r.err)
	}
	return err
}

// applyAdminLocal is the single hub's write: the files, then the reload.
func (a *Admin) applyAdminLocal(tx *adminTx) error {
	var paths []string
	for _, name := range tx.order {
		paths = append(paths, tx.path(name))
	}
	a.h.AdminFiles().Lock()
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
	a.h.AdminFiles().Unlock()
	if err == nil && tx.needsReload() {
		if err = a.h.ReloadFile(); err != nil {
			err = &adminRefused{err}
		}
	}
	if err != nil {
		a.h.AdminFiles().Lock()
		restoreFiles(snap)
		a.h.AdminFiles().Unlock()
		return err
	}
	a.adminChanged(tx.order, false)
	return nil
}

// checkAdmin loads the configuration with the change applied to a copy of
// the administered files, so a change every hub would refuse never enters
// the log.
func (a *Admin) checkAdmin(tx *adminTx) error {
	cfg := a.h.Config()
	if cfg.Path == "" {
		return nil
	}
	tmp, err := os.MkdirTemp(cfg.Storage, ".admin-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	a.h.AdminFiles().RLock()
	files, err := replica.ReadTree(tx.root)
	a.h.AdminFiles().RUnlock()
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
	return a.h.CheckAdministered(tmp)
}

// Replicated is called by the hub for every change the log applied here,
// whoever made it, once the hub has reloaded what needed it.
func (a *Admin) Replicated(names []string) {
	a.adminChanged(names, true)
}

// adminChanged refreshes what the administration keeps in memory from the
// files named; replicated says another hub may have written them.
func (a *Admin) adminChanged(names []string, replicated bool) {
	if slices.Contains(names, hub.AdminOnboarding) {
		a.onb.mu.Lock()
		a.onb.loaded = false
		a.onb.mu.Unlock()
		if replicated {
			a.PublishAllOnboarding() // another hub's check results
		}
	}
	if replicated && slices.Contains(names, hub.AdminRemoved) {
		a.purgeLocal() // another hub ended a grace period: this hub's stored versions go too
	}
}

// snapshotFiles reads the current contents of paths (nil for missing
// files) so a failed change can be undone with restoreFiles.
func snapshotFiles(paths ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			out[p] = data
		} else {
			out[p] = nil
		}
	}
	return out
}

func restoreFiles(snap map[string][]byte) {
	for p, data := range snap {
		if data == nil {
			os.Remove(p)
			continue
		}
		replica.WriteFile(filepath.Dir(p), filepath.Base(p), data)
	}
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
	if slices.Contains(tx.order, name) {
		return nil, nil // removed by this change
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
	if path.Dir(name) != hub.AdminKeys || replica.ValidName(name) != nil {
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
	tx.order = appendOnce(tx.order, name)
	tx.files[name] = data
}

func (tx *adminTx) remove(name string) {
	tx.read(name)
	delete(tx.files, name)
	tx.order = appendOnce(tx.order, name)
}

func (tx *adminTx) writeYAML(name string, v any) error {
	data, err := hub.EncodeAdminYAML(v)
	if err != nil {
		return err
	}
	tx.write(name, data)
	return nil
}

func (tx *adminTx) writeJSON(name string, v any) error {
	data, err := hub.EncodeAdminJSON(v)
	if err != nil {
		return err
	}
	tx.write(name, data)
	return nil
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func (tx *adminTx) needsReload() bool { return slices.ContainsFunc(tx.order, hub.ReloadsOn) }

// change is the log entry: each file with its precondition.
func (tx *adminTx) change() replica.Change {
	var c replica.Change
	for _, name := range tx.order {
		data, ok := tx.files[name]
		c.Files = append(c.Files, replica.FileChange{Name: name, Base: tx.base[name], Data: data, Delete: !ok})
	}
	return c
}
