package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultStateDir is where a lab keeps its state file, configs and logs,
// one sub-directory per namespace prefix; ANYCLOUD_LAB_DIR overrides it.
const DefaultStateDir = "/run/anycloud/lab"

// StateDir returns the state directory for a namespace prefix.
func StateDir(prefix string) string {
	base := os.Getenv("ANYCLOUD_LAB_DIR")
	if base == "" {
		base = DefaultStateDir
	}
	return filepath.Join(base, strings.TrimSuffix(prefix, "-"))
}

// State is what `lab down` needs to leave nothing behind, and what `status`
// and `exec` need to find hosts. It is rewritten after every change, so a
// failed `up` can still be taken down.
type State struct {
	Dir        string    `json:"dir"`
	Prefix     string    `json:"prefix"`
	Started    time.Time `json:"started"`
	Plan       *Plan     `json:"plan"`
	Namespaces []string  `json:"namespaces"` // created so far, in order
	Processes  []Process `json:"processes"`
	// Faults are the failures `lab fail` applied, by node, until healed.
	Faults map[string]string `json:"faults,omitempty"`

	mu sync.Mutex
}

// Process is one process the lab started.
type Process struct {
	Name      string   `json:"name"` // e.g. "bird router-santiago", "relay", "node node-sao-paulo"
	Host      string   `json:"host"`
	Namespace string   `json:"namespace,omitempty"` // "" for the host namespace
	PID       int      `json:"pid"`
	StartTime uint64   `json:"start_time"` // /proc/PID/stat field 22, guards against PID reuse
	Argv      []string `json:"argv"`
	Env       []string `json:"env,omitempty"`
	Log       string   `json:"log"`
}

const stateFile = "state.json"

// LoadState reads the state of the lab in dir.
func LoadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no lab state in %s: is the lab up?: %w", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading lab state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &s, nil
}

// save writes the state atomically.
func (s *State) save() error {
	s.mu.Lock()
	data, err := json.MarshalIndent(s, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.Dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing lab state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(s.Dir, stateFile))
}

func (s *State) addNamespace(ns string) error {
	s.mu.Lock()
	s.Namespaces = append(s.Namespaces, ns)
	s.mu.Unlock()
	return s.save()
}

func (s *State) addProcess(p Process) error {
	s.mu.Lock()
	s.Processes = append(s.Processes, p)
	s.mu.Unlock()
	return s.save()
}

// namespaceOf maps a lab host name to its namespace.
func (s *State) namespaceOf(name string) (string, error) {
	if h, ok := s.Plan.Host(name); ok {
		return h.Namespace, nil
	}
	return "", fmt.Errorf("no lab host %q (try a city slug, node-<city>, router-<city>, hub, hub2, noc or primary-<zone>)", name)
}
