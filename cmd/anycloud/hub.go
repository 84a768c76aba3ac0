package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"anycloud/internal/control"
	"anycloud/internal/hub"
)

func init() {
	register(command{name: "hub", summary: "pull client zones, check them, feed the nodes (distribution point)", run: runHub})
}

func runHub(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "status", "reload", "retransfer":
			return runHubControl(args[0], args[1:])
		case "backup":
			return runHubBackup(args[1:])
		case "restore":
			return runHubRestore(args[1:])
		}
	}
	fs := newFlagSet("hub", "--config FILE [--check] | status | reload | retransfer ZONE [--accept-older] | backup FILE | restore FILE",
		"anycloud hub --config /etc/anycloud/hub.yaml")
	config := fs.String("config", "", "hub configuration file (YAML)")
	check := fs.Bool("check", false, "validate the configuration (keys included) and exit")
	debug := fs.Bool("debug", false, "log at debug level")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *config == "" {
		fs.Usage()
		return errUsage
	}
	cfg, err := hub.LoadConfig(*config)
	if err != nil {
		return err
	}
	if *check {
		fmt.Printf("%s: OK (%d clients, %d nodes)\n", *config, len(cfg.Clients), len(cfg.Nodes))
		return nil
	}
	log := newLogger(*debug)
	h, err := hub.New(cfg, log)
	if err != nil {
		return err
	}
	control.Attach(h) // the administration and the control API
	go reloadOnHUP(ctx, log, h.ReloadFile)
	return h.Run(ctx, func() { log.Info("hub running", "listen", cfg.Listen, "control", cfg.Control) })
}

// runHubControl talks to a running hub through its loopback control
// endpoint, found in the configuration file or given with --control.
func runHubControl(what string, args []string) error {
	example := "anycloud hub " + what + " --config /etc/anycloud/hub.yaml"
	if what == "retransfer" {
		example = "anycloud hub retransfer sv. --accept-older"
	}
	fs := newFlagSet("hub "+what, "[--config FILE | --control ADDR] "+map[string]string{
		"retransfer": "ZONE [--accept-older]"}[what], example)
	// No default here: hubTarget takes $ANYCLOUD_HUB_CONFIG, then the
	// packaged file when it exists.
	config := fs.String("config", "", "hub configuration file, to find the control address and token (default $"+hubConfigEnv+", else "+defaultHubConfig+" if present)")
	controlAddr := fs.String("control", "", "control endpoint address (overrides the configuration file)")
	tokenFile := fs.String("token-file", "", "the hub's control token (default: control.token in the configuration's storage)")
	acceptOlder := fs.Bool("accept-older", false, "retransfer: accept a serial older than the one in service")
	zone, rest := "", args
	if what == "retransfer" && len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		zone, rest = args[0], args[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if what == "retransfer" && zone == "" {
		zone = fs.Arg(0)
	}
	if what == "retransfer" && zone == "" {
		fs.Usage()
		return errUsage
	}
	addr, token, err := hubTarget(*config, *controlAddr, *tokenFile)
	if err != nil {
		return err
	}
	out, err := control.Request(addr, token, what, zone, *acceptOlder)
	if err != nil {
		return err
	}
	fmt.Print(out)
	return nil
}

func newLogger(debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// reloadOnHUP calls reload on each SIGHUP until ctx ends; a failed reload
// is logged and changes nothing.
func reloadOnHUP(ctx context.Context, log *slog.Logger, reload func() error) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := reload(); err != nil {
				log.Error("SIGHUP reload failed; running configuration unchanged", "err", err)
			}
		}
	}
}
