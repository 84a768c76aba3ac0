package main

import (
	"fmt"
	"os/exec"
	"strings"
)

// anycloudKind runs the server under test with the command line fixed by
// the project: `anycloud serve --listen ... --zone ORIGIN=FILE --rrl off`,
// with per-zone statistics on (the default), or off for the server named
// anycloud-nostats, which measures what the statistics cost.
// It refuses AXFR by design, so the AXFR column reads n/a.
type anycloudKind struct {
	bin     string
	noStats bool
}

// noStatsName is the anycloud run with --stats off.
const noStatsName = "anycloud-nostats"

func (k anycloudKind) Name() string {
	if k.noStats {
		return noStatsName
	}
	return "anycloud"
}

func (anycloudKind) AXFR() bool               { return false }
func (k anycloudKind) Tool() (string, string) { return k.bin, "" }

// Version is what `anycloud version` says, plus the commit of the tree
// the harness built it from, when git knows one.
func (k anycloudKind) Version() string {
	out, err := exec.Command(k.bin, "version").Output()
	v := "version command failed"
	if err == nil {
		v = firstLine(string(out))
	}
	if commit, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		v += ", tree at commit " + strings.TrimSpace(string(commit))
	}
	return v
}

func (k anycloudKind) Command(_, origin, zoneFile string, port int) ([]string, error) {
	return []string{k.bin, "serve",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--zone", origin + "=" + zoneFile,
		"--rrl", "off",
		"--stats", map[bool]string{false: "on", true: "off"}[k.noStats],
	}, nil
}
