package main

import (
	"context"
	"fmt"
	"log/slog"
)

// runAll interleaves servers inside each run, so slow drift in the
// machine's background load spreads over all of them alike.
func runAll(ctx context.Context, log *slog.Logger, o *options, kinds []serverKind, zs *zoneSet) (results, error) {
	res := results{}
	sample, err := sampleQueries(zs.Queries, agreementSample)
	if err != nil {
		return nil, err
	}
	for run := 1; run <= o.runs; run++ {
		for _, scName := range o.scenarios {
			sc := scenario{Name: scName, Zone: zs.Unsigned}
			if scName == "signed" {
				sc = scenario{Name: scName, Zone: zs.Signed, DNSSECOK: true}
			}
			for _, k := range kinds {
				m, err := measureUndisturbed(ctx, log, o, k, sc, zs.Queries, sample)
				if err != nil {
					return nil, fmt.Errorf("run %d, %s: %w", run, scName, err)
				}
				log.Info("measured", "run", run, "scenario", scName, "server", k.Name(),
					"qps", int(m.QPS), "cpu_us_per_answer", fmt.Sprintf("%.2f", m.CPUPerQuery),
					"server_cpu_pct", int(m.CPUPercent), "other_load_pct", int(m.OtherLoad),
					"lost", m.Lost, "p99_ms", fmt.Sprintf("%.3f", m.P99))
				res.add(scName, k.Name(), m)
			}
		}
	}
	return res, nil
}

// measureUndisturbed repeats a measurement (at most --retries times) while
// something else took more than --max-other-load % of the server's core:
// on a shared machine a compiler landing there would skew the figures.
// The last attempt is kept either way and carries its Attempts count.
func measureUndisturbed(ctx context.Context, log *slog.Logger, o *options, k serverKind, sc scenario, queries string, sample [][2]string) (measurement, error) {
	for attempt := 1; ; attempt++ {
		m, err := measureOnce(ctx, log, o, k, sc, queries, sample)
		m.Attempts = attempt
		if err != nil || o.maxOtherLoad <= 0 || m.OtherLoad <= o.maxOtherLoad || attempt > o.retries {
			return m, err
		}
		log.Warn("server core was busy with other work, measuring again",
			"server", k.Name(), "scenario", sc.Name, "other_load_pct", int(m.OtherLoad), "attempt", attempt)
	}
}
