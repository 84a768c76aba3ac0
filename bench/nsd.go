package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	conf := fmt.Sprintf(nsdConfTemplate, port, dir, origin, zoneFile)
	if err := os.WriteFile(k.configPath(dir), []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("write nsd.conf: %w", err)
	}
	// -d keeps the main process in the foreground; it still forks xfrd
	// and the server process, which the harness counts as its children.
	return []string{"nsd", "-d", "-c", k.configPath(dir)}, nil
}

// nsdConfTemplate: port, run dir, origin, zone file. Debian's NSD rate
// limits by default, hence rrl-ratelimit: 0.
const nsdConfTemplate = `server:
	ip-address: 127.0.0.1
	port: %[1]d
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "%[2]s"
	database: ""
	zonelistfile: "%[2]s/zone.list"
	xfrdfile: "%[2]s/xfrd.state"
	xfrdir: "%[2]s"
	pidfile: "%[2]s/nsd.pid"
	logfile: "%[2]s/nsd.log"
	zonefiles-write: 0
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	verbosity: 1
	tcp-count: 100
remote-control:
	control-enable: no
zone:
	name: "%[3]s"
	zonefile: "%[4]s"
	provide-xfr: 127.0.0.1 NOKEY
`

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
