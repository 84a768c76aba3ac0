package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// knotKind runs knotd with one UDP and one TCP worker, no journal, no
// zone file flushing and no signing: it only loads and serves the file.
type knotKind struct{}

func (knotKind) Name() string           { return "knot" }
func (knotKind) AXFR() bool             { return true }
func (knotKind) Tool() (string, string) { return "knotd", "knot" }
func (knotKind) Version() string        { return firstLine(commandOutput("knotd", "--version")) }

func (knotKind) Command(dir, origin, zoneFile string, port int) ([]string, error) {
	conf := fmt.Sprintf(knotConfTemplate, port, dir, origin, zoneFile)
	path := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("write knot.conf: %w", err)
	}
	return []string{"knotd", "-c", path}, nil
}

// knotConfTemplate: port, run dir, origin, zone file. semantic-checks off
// because the checks are load work the other servers do not do.
const knotConfTemplate = `server:
    rundir: "%[2]s"
    pidfile: "%[2]s/knot.pid"
    listen: 127.0.0.1@%[1]d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "%[2]s/knot.sock"
log:
  - target: "%[2]s/knot.log"
    any: info
database:
    storage: "%[2]s/db"
acl:
  - id: loopback-xfr
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: "%[2]s"
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
    semantic-checks: off
    dnssec-signing: off
zone:
  - domain: "%[3]s"
    file: "%[4]s"
    acl: loopback-xfr
`
