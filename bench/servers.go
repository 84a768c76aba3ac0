package main

import (
	"fmt"
	"strings"
)

// serverKind knows how to configure and launch one name server
// implementation. The harness does everything else (pinning, readiness,
// measurement, stopping) the same way for every kind.
type serverKind interface {
	// Name is the short name used in flags and tables.
	Name() string
	// Command writes any configuration into runDir and returns the argv
	// that runs the server in the foreground serving zoneFile as origin on
	// 127.0.0.1:port, with AXFR allowed from loopback where supported.
	Command(runDir, origin, zoneFile string, port int) ([]string, error)
	// AXFR tells whether the server is expected to answer AXFR.
	AXFR() bool
	// Version returns the version line of the installed binary.
	Version() string
	// Tool is the binary and the Debian package that provides it.
	Tool() (binary, aptPackage string)
}

// newServerKind maps a --servers entry to its implementation.
func newServerKind(name, anycloudBin string) (serverKind, error) {
	switch strings.TrimSpace(name) {
	case "nsd":
		return nsdKind{}, nil
	case "knot":
		return knotKind{}, nil
	case "anycloud":
		return anycloudKind{bin: anycloudBin}, nil
	case noStatsName:
		return anycloudKind{bin: anycloudBin, noStats: true}, nil
	}
	return nil, fmt.Errorf("unknown server %q (want nsd, knot, anycloud or %s)", name, noStatsName)
}
