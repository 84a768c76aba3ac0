package hub

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/replica"
	"anycloud/internal/yamlconf"
)

// The administered part of the configuration lives in the storage
// directory, written by the control API (`anycloud client add`, `node
// add`), and is merged into the file's clients and nodes at every load, so
// a reload validates both together, all or nothing:
//
//	<storage>/admin/clients.yaml   clients added by `client add`
//	<storage>/admin/nodes.yaml     nodes added by `node add`
//	<storage>/admin/keys/*.key     their TSIG secrets (0600)
const (
	adminDir        = "admin"
	adminClients    = "clients.yaml"
	adminNodes      = "nodes.yaml"
	adminKeys       = "keys"
	adminOnboarding = "onboarding.json"
	adminNodeStates = "node-states.json"
	adminNodeSites  = "node-sites.json"
)

func adminPath(storage string, parts ...string) string {
	return filepath.Join(append([]string{storage, adminDir}, parts...)...)
}

// mergeAdministered appends the administered clients and nodes to f.
func (f *File) mergeAdministered() error {
	if f.Storage == "" {
		return nil
	}
	return f.mergeAdministeredFrom(adminPath(f.Storage))
}

// mergeAdministeredFrom reads the administered files in root (the admin
// directory, or a copy being checked). Key files named relative
// ("keys/NAME.key", as written since replication) are in root, so the
// files mean the same at every hub and after a restore elsewhere.
func (f *File) mergeAdministeredFrom(root string) error {
	var clients []ClientFile
	if err := readAdmin(filepath.Join(root, adminClients), &clients); err != nil {
		return err
	}
	var nodes []NodeFile
	if err := readAdmin(filepath.Join(root, adminNodes), &nodes); err != nil {
		return err
	}
	for i := range clients {
		clients[i].TSIG.SecretFile = inAdmin(root, clients[i].TSIG.SecretFile)
	}
	for i := range nodes {
		nodes[i].TSIG.SecretFile = inAdmin(root, nodes[i].TSIG.SecretFile)
	}
	f.Clients = append(f.Clients, clients...)
	f.Nodes = append(f.Nodes, nodes...)
	return nil
}

func inAdmin(root, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	// Absolute: a relative one would be read against the configuration
	// file's directory, and storage may be relative to the working one.
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return filepath.Join(root, filepath.FromSlash(p))
}

// adminKeyName is where an administered key's secret is kept, relative to
// the admin directory.
func adminKeyName(keyName string) string {
	return adminKeys + "/" + strings.TrimSuffix(keyName, ".") + ".key"
}

func readAdmin(path string, out any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || err == nil && strings.TrimSpace(string(data)) == "" {
		return nil
	}
	if err != nil {
		return err
	}
	if err := yamlconf.Decode(data, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
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
