package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"anycloud/internal/httpserve"
	"anycloud/internal/monitor"
)

func init() {
	register(command{name: "monitor", summary: "watch zone sync, catchments and alerts; serve the dashboard", run: runMonitor})
}

func runMonitor(ctx context.Context, args []string) error {
	fs := newFlagSet("monitor", "--config FILE [--check] [--listen ADDR:PORT]",
		"anycloud monitor --config /etc/anycloud/monitor.yaml --listen 127.0.0.1:8053")
	path := fs.String("config", "", "monitor configuration (YAML; unknown keys are errors)")
	check := fs.Bool("check", false, "check the configuration and exit")
	listen := fs.String("listen", "", "HTTP address for the dashboard, API and /metrics (default: the config's listen)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		fs.Usage()
		return errUsage
	}
	cfg, err := monitor.LoadConfig(*path)
	if err != nil {
		return err
	}
	if *check {
		fmt.Printf("%s: ok (%d zones, %d nodes, %d vantages)\n", *path, len(cfg.Zones), len(cfg.Nodes), len(cfg.Vantages))
		return nil
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	return serveMonitor(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, nil)))
}

func serveMonitor(ctx context.Context, cfg monitor.Config, log *slog.Logger) error {
	m := monitor.New(cfg, log)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("dashboard listener: %w", err)
	}
	srv := httpserve.New(m.Handler(), time.Minute)
	go m.Run(ctx)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	log.Info("monitor serving", "url", "http://"+ln.Addr().String()+"/")
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
