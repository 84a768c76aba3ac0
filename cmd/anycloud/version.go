package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is the release, set at build time with
// -ldflags "-X main.version=1.2.3"; "dev" for builds from a work tree.
var version = "dev"

func init() {
	register(command{name: "version", summary: "print the release and commit", run: runVersion})
}

// releaseString is what `anycloud version` and version.bind report.
func releaseString() string {
	commit := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("anycloud %s (%s)", version, commit)
}

func runVersion(_ context.Context, args []string) error {
	fs := newFlagSet("version", "", "anycloud version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Println(releaseString())
	return nil
}
