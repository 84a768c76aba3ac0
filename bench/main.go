// Command bench measures `anycloud serve` against NSD and Knot DNS in one
// run: it generates a ccTLD-like zone and its NSEC3 opt-out signed variant
// (cached in bench/work), replays a resolver-like query mix with dnsperf
// against each server on loopback, and reports medians and anycloud's
// ratios to stdout and docs/bench.md.
//
// It owns only the processes it starts (stopped by PID) and the temporary
// directories it makes; it must never send traffic anywhere but 127.0.0.1
// and never touch a system-wide server configuration.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, log, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Error("benchmark failed", "err", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	if o.soak > 0 {
		return runSoak(ctx, log, o)
	}
	kinds, cleanup, err := setUpServers(ctx, o)
	defer cleanup()
	if err != nil {
		return err
	}
	zs, err := prepareZones(ctx, log, o.workDir, o.shape(), o.queryLines)
	if err != nil || o.prepareOnly {
		return err
	}
	if o.only == "start" {
		return runStartOnly(ctx, log, o, kinds, zs, os.Stdout)
	}
	res, err := runAll(ctx, log, o, kinds, zs)
	if err != nil {
		return err
	}
	return publish(o, kinds, zs, res, args)
}

// setUpServers checks tools and, for anycloud, builds the binary into a
// temporary directory that cleanup removes.
func setUpServers(ctx context.Context, o *options) ([]serverKind, func(), error) {
	cleanup := func() {}
	if o.anycloudBin == "" && (contains(o.servers, "anycloud") || contains(o.servers, noStatsName)) && !o.prepareOnly {
		dir, err := os.MkdirTemp("", "anycloud-bench-bin-")
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		if o.anycloudBin, err = buildAnycloud(ctx, dir); err != nil {
			return nil, cleanup, err
		}
	}
	var kinds []serverKind
	for _, name := range o.servers {
		k, err := newServerKind(name, o.anycloudBin)
		if err != nil {
			return nil, cleanup, err
		}
		kinds = append(kinds, k)
	}
	return kinds, cleanup, checkTools(kinds)
}

// publish prints the report and writes it to --report.
func publish(o *options, kinds []serverKind, zs *zoneSet, res results, args []string) error {
	h := reportHeader{
		Date:     time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Command:  strings.TrimSpace("go run ./bench " + strings.Join(args, " ")),
		Machine:  machineInfo(),
		Versions: versions(kinds),
		Settings: settings(o, zs),
	}
	var buf bytes.Buffer
	writeReport(&buf, h, o, res)
	fmt.Print(buf.String())
	if o.report == "" {
		return nil
	}
	buf.Write(keptSections(o.report))
	if err := os.WriteFile(o.report, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// keptMarker starts the part of the report written by hand (figures
// measured by other commands, such as zone distribution), which a new
// report keeps.
const keptMarker = "<!-- kept by go run ./bench:"

// keptSections returns the part of the existing report from keptMarker on.
func keptSections(path string) []byte {
	old, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if i := bytes.Index(old, []byte(keptMarker)); i >= 0 {
		return append([]byte("\n"), old[i:]...)
	}
	return nil
}
