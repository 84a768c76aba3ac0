package main

import (
	"context"
	"fmt"

	"anycloud/internal/node"
)

func init() {
	register(command{name: "node", summary: "serve the zones of the hub's catalog as its secondary", run: runNode})
}

func runNode(ctx context.Context, args []string) error {
	fs := newFlagSet("node", "--config FILE [--check]", "anycloud node --config /etc/anycloud/node.yaml")
	config := fs.String("config", "", "node configuration file (YAML)")
	check := fs.Bool("check", false, "validate the configuration (key included) and exit")
	debug := fs.Bool("debug", false, "log at debug level")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *config == "" {
		fs.Usage()
		return errUsage
	}
	cfg, err := node.LoadConfig(*config)
	if err != nil {
		return err
	}
	if *check {
		fmt.Printf("%s: OK (hub %v, catalog %s)\n", *config, cfg.Hubs, cfg.Catalog)
		return nil
	}
	cfg.Version = releaseString()
	log := newLogger(*debug)
	n, err := node.New(cfg, log)
	if err != nil {
		return err
	}
	go reloadOnHUP(ctx, log, func() error {
		return fmt.Errorf("the node reads %s at start only (zones come from the catalog); restart it to apply changes", *config)
	})
	return n.Run(ctx, func() { log.Info("node serving", "listen", cfg.Listen, "hub", cfg.Hubs) })
}
