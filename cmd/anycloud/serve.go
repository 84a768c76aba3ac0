package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"anycloud/internal/authserver"
	"anycloud/internal/zonefiles"
)

func init() {
	register(command{name: "serve", summary: "serve zone files authoritatively (standalone engine)", run: runServe})
}

type serveArgs struct {
	listen   []string
	zones    []zonefiles.Spec
	nsid     string
	identity string
	version  string
	rrl      string
	stats    string
}

func parseServeArgs(args []string) (*serveArgs, error) {
	a := &serveArgs{version: releaseString()}
	fs := newFlagSet("serve", "--listen ADDR:PORT [--listen ...] --zone ORIGIN=FILE [--zone ...] [flags]",
		"anycloud serve --listen 127.0.0.1:5300 --listen [::1]:5300 --zone sv.=sv.zone --nsid node-1")
	fs.Func("listen", "address and port to answer on, UDP and TCP (repeatable)", func(s string) error {
		a.listen = append(a.listen, s)
		return nil
	})
	fs.Func("zone", "ORIGIN=FILE: a zone and its master file (repeatable)", func(s string) error {
		origin, file, ok := strings.Cut(s, "=")
		if !ok || origin == "" || file == "" {
			return fmt.Errorf("want ORIGIN=FILE, got %q", s)
		}
		a.zones = append(a.zones, zonefiles.Spec{Origin: origin, Path: file})
		return nil
	})
	fs.StringVar(&a.nsid, "nsid", "", "NSID to send when asked (RFC 5001), also the id.server answer")
	fs.StringVar(&a.identity, "identity", "", "id.server / hostname.bind answer (default: the NSID)")
	fs.StringVar(&a.version, "version", a.version, "version.bind answer; empty hides it")
	fs.StringVar(&a.stats, "stats", "on", "per-zone query statistics: on or off (for measuring their cost)")
	fs.StringVar(&a.rrl, "rrl", "off", "response rate limiting: off or on (20 responses/s per /24 or /56, slip 2)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if len(a.listen) == 0 || len(a.zones) == 0 {
		fs.Usage()
		return nil, errUsage
	}
	for flag, v := range map[string]string{"rrl": a.rrl, "stats": a.stats} {
		if v != "off" && v != "on" {
			return nil, fmt.Errorf("--%s takes off or on, not %q", flag, v)
		}
	}
	return a, nil
}

func runServe(ctx context.Context, args []string) error {
	a, err := parseServeArgs(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := authserver.Config{
		NSID: a.nsid, Identity: a.identity, Version: a.version, HideVersion: a.version == "", Logger: log,
		NoStats: a.stats == "off",
	}
	if a.rrl == "on" {
		cfg.RRL = &authserver.RRLConfig{} // BIND's and Knot's defaults: 20/s per /24 or /56, slip 2
	}
	srv := authserver.New(cfg)
	files := zonefiles.New(a.zones, srv, log)
	if err := files.LoadAll(); err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				files.Reload()
			}
		}
	}()
	return srv.Serve(ctx, a.listen, func() { log.Info("serving", "zones", len(a.zones)) })
}
