package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"anycloud/internal/yamlconf"
)

// The administered part of the configuration lives in the storage
// directory, written by internal/admin (`anycloud client add`, `node
// add`, ...), and is merged into the file's clients and nodes at every
// load, so a reload validates both together, all or nothing. The hub
// reads these files (its configuration, its nodes' states, backups and
// replication) and never changes them; internal/admin changes them and
// nothing else does:
//
//	<storage>/admin/clients.yaml       clients added by `client add`
//	<storage>/admin/nodes.yaml         nodes added by `node add`
//	<storage>/admin/keys/*.key         their TSIG secrets (0600)
//	<storage>/admin/node-states.json   node disable|enable|drain
//	<storage>/admin/node-sites.json    where each added node is
//	<storage>/admin/onboarding.json    each client zone's onboarding steps
//	<storage>/admin/removed.json       zones removed and their tombstones
//	<storage>/admin/cloud-pgp.asc      the cloud's OpenPGP key, unless configured
const (
	adminDir        = "admin"
	AdminClients    = "clients.yaml"
	AdminNodes      = "nodes.yaml"
	AdminKeys       = "keys"
	AdminOnboarding = "onboarding.json"
	AdminNodeStates = "node-states.json"
	AdminNodeSites  = "node-sites.json"
	// AdminRemoved lists the zones removed with `client remove` that still
	// have their stored versions and key, and the tombstones of those purged.
	AdminRemoved = "removed.json"
	// AdminCloudKey is the cloud's OpenPGP key when none is configured.
	AdminCloudKey = "cloud-pgp.asc"
)

// AdminPath is a path in the admin directory of the storage directory.
func AdminPath(storage string, parts ...string) string {
	return filepath.Join(append([]string{storage, adminDir}, parts...)...)
}

// mergeAdministeredFrom appends to f the administered clients and nodes
// in root (the admin directory, or a copy being checked). Key files named
// relative ("keys/NAME.key", as written since replication) are in root,
// so the files mean the same at every hub and after a restore elsewhere.
func (f *File) mergeAdministeredFrom(root string) error {
	var clients []ClientFile
	if err := readAdmin(filepath.Join(root, AdminClients), &clients); err != nil {
		return err
	}
	var nodes []NodeFile
	if err := readAdmin(filepath.Join(root, AdminNodes), &nodes); err != nil {
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

// AdminKeyName is where an administered key's secret is kept, relative to
// the admin directory.
func AdminKeyName(keyName string) string {
	return AdminKeys + "/" + strings.TrimSuffix(keyName, ".") + ".key"
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

// ReloadsOn says whether a change of the named administered file needs
// the configuration read again (the files the loader merges).
func ReloadsOn(name string) bool {
	return name == AdminClients || name == AdminNodes || name == AdminNodeSites || strings.HasPrefix(name, AdminKeys+"/")
}

// CheckAdministered loads the configuration file the hub started with,
// merged with the administered files in root (a copy being checked)
// instead of its own: nil when the hub would accept them.
func (h *Hub) CheckAdministered(root string) error {
	cfg := h.config()
	if cfg.Path == "" {
		return nil
	}
	data, err := os.ReadFile(cfg.Path)
	if err != nil {
		return err
	}
	_, err = parseConfig(data, filepath.Dir(cfg.Path), root)
	return err
}

// ReadAdminJSON decodes an administered JSON file into out; a missing one
// leaves out as it is, an unreadable one is logged and left as it is.
func (h *Hub) ReadAdminJSON(name string, out any) {
	data, err := os.ReadFile(AdminPath(h.config().Storage, name))
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		h.log.Warn("administrative file unreadable", "file", name, "err", err)
	}
}

// EncodeAdminYAML is an administered YAML file's content.
func EncodeAdminYAML(v any) ([]byte, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte("# Written by the anycloud hub (client add / node add). Edit with care.\n"), data...), nil
}

// EncodeAdminJSON is an administered JSON file's content.
func EncodeAdminJSON(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// RemovedZone is a client zone taken out of service: its stored versions
// and key stay until PurgeAt, and `client add ZONE --restore` brings it
// back with the key and primaries it had. Once purged, the entry stays as
// a tombstone (PurgedAt set) for another grace period: every hub purges
// its own stored versions when it sees one, so a hub that was down when
// another purged still drops the zone's data. The entries of AdminRemoved,
// by zone.
type RemovedZone struct {
	Zone      string   `json:"zone"`
	Client    string   `json:"client"`
	Primaries []string `json:"primaries"`
	KeyName   string   `json:"key_name"`
	Algorithm string   `json:"algorithm"`
	// KeyFile is as the client named it: relative to the admin directory
	// ("keys/NAME.key") when the hub wrote it.
	KeyFile  string    `json:"key_file"`
	At       time.Time `json:"removed_at"`
	PurgeAt  time.Time `json:"purge_at"`
	PurgedAt time.Time `json:"purged_at,omitzero"`
}
