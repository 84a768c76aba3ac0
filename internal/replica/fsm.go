package replica

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// ErrConflict says a change was computed from a state that another change
// has replaced since: the caller reads the files again and recomputes.
var ErrConflict = errors.New("the replicated state changed meanwhile")

// Result is what applying one entry gives back to the one who submitted it.
type Result struct {
	Index    uint64 `json:"index"`
	Conflict bool   `json:"conflict,omitempty"`
	Err      string `json:"err,omitempty"`
}

func (r Result) err() error {
	switch {
	case r.Conflict:
		return ErrConflict
	case r.Err != "":
		return errors.New(r.Err)
	}
	return nil
}

// fsmState is what the directory alone cannot say: the last log index
// applied to it (so a restart does not apply an entry twice) and whether
// the cluster's first change has been made (after which a seed is void).
// It lives in the Raft directory, never in the replicated one, so a backup
// of the replicated files carries none of it.
//
// Written holds, for each tracked file (Config.Track), the index of the
// last entry that wrote or removed it: a counter every hub derives from
// the same log, kept with the applied index and in snapshots, so a hub
// restarted or brought up to date from a snapshot has the same value.
type fsmState struct {
	Index   uint64            `json:"index"`
	Seeded  bool              `json:"seeded"`
	Written map[string]uint64 `json:"written,omitempty"`
}

// with returns st at index with seeded, keeping the written indexes.
func (st fsmState) with(index uint64, seeded bool) fsmState {
	return fsmState{Index: index, Seeded: seeded, Written: st.Written}
}

// fsm applies changes to the directory root. mu is held while files are
// written, so a reader holding it sees one whole state (a backup).
type fsm struct {
	root      string
	statePath string
	mu        *sync.RWMutex
	onApply   func(names []string)
	log       *slog.Logger
	track     map[string]bool // files whose last write index is kept
	// written is state.Written as the files are: replaced while mu is
	// held for writing, with the files, so a reader holding mu sees both
	// at the same entry.
	written map[string]uint64

	stateMu sync.Mutex
	state   fsmState
	applied chan struct{} // closed and replaced at each applied index
}

func newFSM(root, raftDir string, mu *sync.RWMutex, onApply func([]string), track []string, log *slog.Logger) (*fsm, error) {
	f := &fsm{root: root, statePath: filepath.Join(raftDir, "fsm-state.json"), mu: mu, onApply: onApply, log: log, applied: make(chan struct{}),
		track: map[string]bool{}}
	for _, name := range track {
		f.track[name] = true
	}
	data, err := os.ReadFile(f.statePath)
	if err == nil {
		err = json.Unmarshal(data, &f.state)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("replication state %s: %w", f.statePath, err)
	}
	f.written = f.state.Written
	return f, nil
}

func (f *fsm) current() fsmState {
	f.stateMu.Lock()
	defer f.stateMu.Unlock()
	return f.state
}

func (f *fsm) setState(st fsmState) {
	data, _ := json.Marshal(st)
	if err := WriteFile(filepath.Dir(f.statePath), filepath.Base(f.statePath), data); err != nil {
		f.log.Error("replication: could not store the applied index; a restart applies the last entries again", "err", err)
	}
	f.stateMu.Lock()
	f.state = st
	close(f.applied)
	f.applied = make(chan struct{})
	f.stateMu.Unlock()
}

// waitApplied waits until index is applied here or until the deadline.
func (f *fsm) waitApplied(index uint64, deadline time.Time) bool {
	for {
		f.stateMu.Lock()
		done, ch := f.state.Index >= index, f.applied
		f.stateMu.Unlock()
		if done {
			return true
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return false
		}
		select {
		case <-ch:
		case <-time.After(wait):
		}
	}
}

// Apply is called by Raft, in log order, for every committed entry.
func (f *fsm) Apply(l *raft.Log) any {
	st := f.current()
	if l.Type != raft.LogCommand {
		return Result{Index: l.Index}
	}
	if l.Index <= st.Index {
		return Result{Index: l.Index} // applied before a restart
	}
	var c Change
	if err := json.Unmarshal(l.Data, &c); err != nil {
		f.setState(st.with(l.Index, st.Seeded))
		return Result{Index: l.Index, Err: "undecodable change: " + err.Error()}
	}
	if err := c.Check(); err != nil {
		f.setState(st.with(l.Index, st.Seeded))
		return Result{Index: l.Index, Err: err.Error()}
	}
	res, names, written := f.apply(c, st.Seeded, l.Index)
	next := st.with(l.Index, true)
	if written != nil {
		next.Written = written
	}
	f.setState(next)
	if len(names) > 0 && f.onApply != nil {
		f.onApply(names)
	}
	return res
}

// apply makes change c, the entry at index, and returns the files it
// wrote or removed, and the new written indexes (nil: unchanged).
func (f *fsm) apply(c Change, seeded bool, index uint64) (Result, []string, map[string]uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.Seed {
		if seeded {
			return Result{Index: index, Err: "the cluster already has its state; this hub's earlier files were not taken"}, nil, nil
		}
		res, names := f.seed(c, index)
		// The seed defines every file, whatever this hub had before.
		return res, names, f.markWritten(index, nil)
	}
	if !seeded {
		// The cluster's first change was computed from an empty
		// directory (a seed would have come first otherwise): files this
		// hub had from before (a restored backup, an older state) are
		// put aside, so every hub applies the log from the same state.
		if err := f.clearAside(); err != nil {
			return Result{Index: index, Err: err.Error()}, nil, nil
		}
	}
	res, names := f.applyFiles(c, index)
	switch {
	case !seeded:
		return res, names, f.markWritten(index, nil) // the directory was emptied
	case len(names) == 0:
		return res, names, nil
	}
	return res, names, f.markWritten(index, names)
}

// markWritten records index as the last write of the tracked files among
// names (all of them when names is nil). Called with mu held.
func (f *fsm) markWritten(index uint64, names []string) map[string]uint64 {
	next := map[string]uint64{}
	for k, v := range f.written {
		next[k] = v
	}
	changed := false
	for name := range f.track {
		if names == nil || slices.Contains(names, name) {
			next[name] = index
			changed = true
		}
	}
	if !changed {
		return nil
	}
	f.written = next
	return next
}

func (f *fsm) applyFiles(c Change, index uint64) (Result, []string) {
	// Every file must still hold what the change was computed from (or
	// already what it brings: the same change applied again), all or none.
	for _, fc := range c.Files {
		data, err := os.ReadFile(filepath.Join(f.root, filepath.FromSlash(fc.Name)))
		present := err == nil
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return Result{Index: index, Err: err.Error()}, nil
		}
		if Hash(data, present) != fc.Base && !(fc.Delete && !present) && !(!fc.Delete && present && string(data) == string(fc.Data)) {
			return Result{Index: index, Conflict: true}, nil
		}
	}
	var names []string
	for _, fc := range c.Files {
		var err error
		if fc.Delete {
			err = os.Remove(filepath.Join(f.root, filepath.FromSlash(fc.Name)))
			if errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		} else {
			err = WriteFile(f.root, fc.Name, fc.Data)
		}
		if err != nil {
			// The disk refused: this hub now differs from the others
			// until the next snapshot; say so loudly.
			f.log.Error("replication: could not write a replicated file", "file", fc.Name, "err", err)
			return Result{Index: index, Err: err.Error()}, names
		}
		names = append(names, fc.Name)
	}
	return Result{Index: index}, names
}

// seed replaces the directory with the seed, keeping what this hub had in
// a dated directory beside it when it differs.
func (f *fsm) seed(c Change, index uint64) (Result, []string) {
	files := map[string][]byte{}
	for _, fc := range c.Files {
		files[fc.Name] = fc.Data
	}
	have, err := ReadTree(f.root)
	if err != nil {
		return Result{Index: index, Err: err.Error()}, nil
	}
	if !sameTree(have, files) {
		if err := f.putAside(have); err != nil {
			return Result{Index: index, Err: err.Error()}, nil
		}
	}
	if err := replaceTree(f.root, files); err != nil {
		return Result{Index: index, Err: err.Error()}, nil
	}
	return Result{Index: index}, allNames(have, files)
}

// putAside copies files (this hub's state before the cluster's replaced
// it) into a dated directory beside the replicated one.
func (f *fsm) putAside(files map[string][]byte) error {
	if len(files) == 0 {
		return nil
	}
	aside := f.root + "-replaced-" + time.Now().UTC().Format("20060102T150405")
	for name, data := range files {
		if err := WriteFile(aside, name, data); err != nil {
			return err
		}
	}
	f.log.Warn("replication: this hub's earlier administered state was replaced by the cluster's; it is kept aside", "dir", aside)
	return nil
}

// clearAside empties the directory, keeping what it held aside.
func (f *fsm) clearAside() error {
	have, err := ReadTree(f.root)
	if err != nil || len(have) == 0 {
		return err
	}
	if err := f.putAside(have); err != nil {
		return err
	}
	return replaceTree(f.root, map[string][]byte{})
}

func sameTree(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || string(v) != string(w) {
			return false
		}
	}
	return true
}

func allNames(maps ...map[string][]byte) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// snapshotData is a whole state: what a hub far behind receives.
type snapshotData struct {
	State fsmState          `json:"state"`
	Files map[string][]byte `json:"files"`
}

// Snapshot captures the directory and the state under the write lock.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	files, err := ReadTree(f.root)
	if err != nil {
		return nil, err
	}
	return &snapshot{data: snapshotData{State: f.current(), Files: files}}, nil
}

// Restore replaces the directory with a snapshot from the leader (or this
// hub's own at start), held to the bounds.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var s snapshotData
	// base64 in JSON: 4/3 of the bytes, plus names and quoting.
	if err := json.NewDecoder(io.LimitReader(rc, MaxTreeBytes*2)).Decode(&s); err != nil {
		return fmt.Errorf("replication snapshot: %w", err)
	}
	c := Change{Seed: true}
	for name, data := range s.Files {
		c.Files = append(c.Files, FileChange{Name: name, Data: data})
	}
	if err := c.Check(); err != nil {
		return fmt.Errorf("replication snapshot refused: %w", err)
	}
	f.mu.Lock()
	have, _ := ReadTree(f.root)
	err := replaceTree(f.root, s.Files)
	if err == nil {
		f.written = s.State.Written
	}
	f.mu.Unlock()
	if err != nil {
		return err
	}
	f.setState(s.State)
	if f.onApply != nil {
		f.onApply(allNames(have, s.Files))
	}
	return nil
}

type snapshot struct{ data snapshotData }

func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(s.data); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *snapshot) Release() {}
