package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"anycloud/internal/node"
)

func init() {
	register(command{name: "node", summary: "serve the zones of the hub's catalog as its secondary and announce the service", run: runNode})
}

func runNode(ctx context.Context, args []string) error {
	if len(args) > 0 && isHubNodeCommand(args) {
		return runNodeAdmin(args[0], args[1:])
	}
	if len(args) > 0 {
		switch args[0] {
		case "status", "drain", "undrain":
			return runNodeControl(ctx, args[0], args[1:])
		}
	}
	fs := newFlagSet("node", "--config FILE [--check] | status | drain | undrain | add NAME ... | list | disable NAME | enable NAME | drain NAME | remove NAME",
		"anycloud node --config /etc/anycloud/node.yaml")
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
		fmt.Printf("%s: OK (hubs %s, catalog %s, %s)\n", *config, hubsSummary(cfg), cfg.Catalog, announceSummary(cfg))
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
	// SIGTERM/SIGINT end ctx: Run withdraws, waits drain-wait while still
	// answering, then stops.
	return n.Run(ctx, func() {
		log.Info("node serving", "listen", cfg.Listen, "hubs", hubsSummary(cfg), "announce", announceSummary(cfg))
	})
}

func announceSummary(cfg *node.Config) string {
	a := cfg.Announce
	if a == nil {
		return "no announce: section, announces nothing"
	}
	mode := a.Config.Mode
	if mode == "" {
		mode = "gobgp"
	}
	return fmt.Sprintf("announces %d prefixes to %d peers (%s)", len(a.Config.Prefixes), len(a.Config.Peers), mode)
}

// runNodeControl talks to a running node through its loopback control
// endpoint, found in the configuration file or given with --control.
func runNodeControl(ctx context.Context, what string, args []string) error {
	fs := newFlagSet("node "+what, "[--config FILE | --control ADDR]",
		"anycloud node "+what+" --config /etc/anycloud/node.yaml")
	config := fs.String("config", "/etc/anycloud/node.yaml", "node configuration file, to find the control address and token")
	control := fs.String("control", "", "control endpoint address (overrides the configuration file)")
	tokenFile := fs.String("token-file", "", "the node's control token, for drain and undrain (default: control.token in the configuration's storage)")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long (drain waits drain-wait)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The token's path comes from this side (flag or configuration), never
	// from whatever answers on the control port.
	addr, token := *control, *tokenFile
	if addr == "" || (token == "" && what != "status") {
		cfg, err := node.LoadConfig(*config)
		if err != nil {
			return err
		}
		if addr == "" {
			if addr = cfg.Control; addr == "" {
				return errors.New("the configuration has no 'control:' address")
			}
		}
		if token == "" {
			token = node.TokenFile(cfg)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	out, err := node.ControlRequest(ctx, addr, token, what)
	if err != nil {
		return err
	}
	fmt.Print(out)
	return nil
}

// hubsSummary lists the hubs as "name addr,addr; name addr".
func hubsSummary(cfg *node.Config) string {
	var parts []string
	for _, h := range cfg.Hubs {
		parts = append(parts, h.String())
	}
	return strings.Join(parts, "; ")
}
