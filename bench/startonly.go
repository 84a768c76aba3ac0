package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// startFigures is what a start-only measurement takes: the time to the
// first authoritative SOA answer, the server's CPU time spent until then,
// its peak and current resident memory at that moment, and how busy the
// server's core was with other work meanwhile.
type startFigures struct {
	Start, CPU, OtherLoad float64 // s, s, %
	PeakMiB, RSSMiB       float64
}

// runStartOnly (--only start) measures start-up alone: each server is
// started, timed to its first answer and stopped, with no dnsperf run, so
// start time and load-time memory can be measured often and cheaply.
// Peak memory is VmHWM summed over the server's processes (for NSD's
// forked processes shared pages count in each).
func runStartOnly(ctx context.Context, log *slog.Logger, o *options, kinds []serverKind, zs *zoneSet, out io.Writer) error {
	figs := map[string][]startFigures{}
	var keys []string
	for run := 1; run <= o.runs; run++ {
		for _, scName := range o.scenarios {
			sc := scenario{Name: scName, Zone: zs.Unsigned}
			if scName == "signed" {
				sc.Zone = zs.Signed
			}
			for _, k := range kinds {
				f, err := measureStart(ctx, o, k, sc)
				if err != nil {
					return fmt.Errorf("run %d, %s, %s: %w", run, scName, k.Name(), err)
				}
				log.Info("start measured", "run", run, "scenario", scName, "server", k.Name(),
					"start_s", fmt.Sprintf("%.2f", f.Start), "cpu_s", fmt.Sprintf("%.2f", f.CPU),
					"peak_mib", int(f.PeakMiB), "other_load_pct", int(f.OtherLoad))
				key := scName + "\x00" + k.Name()
				if _, ok := figs[key]; !ok {
					keys = append(keys, key)
				}
				figs[key] = append(figs[key], f)
			}
		}
	}
	fmt.Fprintf(out, "Start-up only (`--only start`), %s, %d run(s), server taskset -c %s; medians, then every run.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), o.runs, o.serverCPU)
	fmt.Fprintln(out, "| scenario | server | start s | CPU s | peak RSS MiB | RSS at start MiB | other load % | start s per run |")
	fmt.Fprintln(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, key := range keys {
		sc, srv, _ := strings.Cut(key, "\x00")
		fs := figs[key]
		by := func(f func(startFigures) float64) float64 {
			v := make([]float64, len(fs))
			for i := range fs {
				v[i] = f(fs[i])
			}
			return median(v)
		}
		var each []string
		for _, f := range fs {
			each = append(each, fmt.Sprintf("%.2f", f.Start))
		}
		fmt.Fprintf(out, "| %s | %s | %.2f | %.2f | %.0f | %.0f | %.0f | %s |\n", sc, srv,
			by(func(f startFigures) float64 { return f.Start }), by(func(f startFigures) float64 { return f.CPU }),
			by(func(f startFigures) float64 { return f.PeakMiB }), by(func(f startFigures) float64 { return f.RSSMiB }),
			by(func(f startFigures) float64 { return f.OtherLoad }), strings.Join(each, ", "))
	}
	return nil
}

func measureStart(ctx context.Context, o *options, k serverKind, sc scenario) (f startFigures, err error) {
	busyBefore, err := cpuBusy(o.serverCPUs)
	if err != nil {
		return f, err
	}
	srv, err := launch(o, k, sc)
	if err != nil {
		return f, err
	}
	defer func() {
		if cerr := srv.close(); err == nil {
			err = cerr
		}
	}()
	took, err := waitReady(ctx, srv.proc, o.origin, srv.port, o.startTimeout)
	if err != nil {
		return f, err
	}
	tree := srv.proc.tree()
	busyAfter, err := cpuBusy(o.serverCPUs)
	if err != nil {
		return f, err
	}
	used := cpuTime(tree)
	for _, st := range tree {
		f.PeakMiB += float64(statusField(st.pid, "status", "VmHWM:")) / 1024
		f.RSSMiB += float64(statusField(st.pid, "status", "VmRSS:")) / 1024
	}
	f.Start, f.CPU = took.Seconds(), used.Seconds()
	f.OtherLoad = max(0, 100*(busyAfter-busyBefore-used).Seconds()/took.Seconds())
	return f, nil
}
