package main

import (
	"fmt"
	"os"
	"path/filepath"

	"anycloud/internal/peerconf"
)

// knotKind runs knotd with one UDP and one TCP worker, no journal, no
// zone file flushing and no signing: it only loads and serves the file.
type knotKind struct{}

func (knotKind) Name() string           { return "knot" }
func (knotKind) AXFR() bool             { return true }
func (knotKind) Tool() (string, string) { return "knotd", "knot" }
func (knotKind) Version() string        { return firstLine(commandOutput("knotd", "--version")) }

func (knotKind) Command(dir, origin, zoneFile string, port int) ([]string, error) {
	// semantic-checks off (the default) because the checks are load work
	// the other servers do not do; the log goes to a file of the run.
	conf := peerconf.KnotConfig(peerconf.KnotOptions{
		Zones:     []peerconf.Zone{{Origin: origin, File: zoneFile}},
		ACLs:      []peerconf.ACL{{Address: "127.0.0.1", Transfer: true}},
		LogTarget: fmt.Sprintf("%q", filepath.Join(dir, "knot.log")),
		Port:      port,
	}, dir)
	path := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("write knot.conf: %w", err)
	}
	return []string{"knotd", "-c", path}, nil
}
