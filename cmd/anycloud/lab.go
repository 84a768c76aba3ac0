package main

import (
	"context"

	"anycloud/internal/lab"
)

func init() {
	register(command{name: "lab", summary: "the whole cloud on this machine: namespaces, BIRD routers, anycast nodes", run: runLab})
}

// runLab hands the words after "lab" to the lab package, which parses its
// own subcommands (up, status, exec, fail, heal, bump, down).
func runLab(ctx context.Context, args []string) error {
	return lab.Main(ctx, args)
}
