package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"anycloud/internal/peerconf"
)

// nsdKind runs NSD 4 with one server process, no rate limiting, no
// database file (the zone is read from the zone file into memory) and
// no remote control, so that it competes on equal terms.
type nsdKind struct{}

func (nsdKind) Name() string                 { return "nsd" }
func (nsdKind) AXFR() bool                   { return true }
func (nsdKind) Tool() (string, string)       { return "nsd", "nsd" }
func (nsdKind) Version() string              { return firstLine(commandOutput("nsd", "-v")) }
func (nsdKind) configPath(dir string) string { return filepath.Join(dir, "nsd.conf") }

func (k nsdKind) Command(dir, origin, zoneFile string, port int) ([]string, error) {
	// The one NSD configuration builder: rate limiting off (Debian's NSD
	// limits by default), no database file, no remote control; the log
	// goes to a file of the run.
	conf := peerconf.NSDConfig(peerconf.NSDOptions{
		Zones:   []peerconf.Zone{{Origin: origin, File: zoneFile}},
		ACLs:    []peerconf.ACL{{Address: "127.0.0.1", Transfer: true}},
		LogFile: filepath.Join(dir, "nsd.log"),
		Port:    port,
	}, dir)
	if err := os.WriteFile(k.configPath(dir), []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("write nsd.conf: %w", err)
	}
	// -d keeps the main process in the foreground; it still forks xfrd
	// and the server process, which the harness counts as its children.
	return []string{"nsd", "-d", "-c", k.configPath(dir)}, nil
}

// commandOutput runs a version command and returns what it printed on
// either stream (nsd -v writes to stderr), or the error text.
func commandOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return err.Error()
	}
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}
