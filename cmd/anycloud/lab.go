package main

import (
	"context"
	"fmt"
	"os"

	"anycloud/internal/lab"
	"anycloud/internal/lab/cloud"
)

func init() {
	register(command{name: "lab", summary: "the whole cloud on this machine: namespaces, BIRD routers, anycast nodes", run: runLab})
}

// runLab hands the words after "lab" to the lab package, which parses its
// own subcommands (up, status, exec, fail, heal, bump, down); this binary
// runs the primaries' Knot, the hub, the nodes and the monitor in the lab.
func runLab(ctx context.Context, args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the anycloud executable: %w", err)
	}
	return (&lab.CLI{Cloud: cloud.New(exe)}).Run(ctx, args)
}
