package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// statsCostLimit is the bound: statistics on within 5 % of off.
const statsCostLimit = 0.05

// writeStatsCost compares anycloud (statistics on) with anycloud-nostats
// (--stats off) measured in the same runs: the ratio of the medians, and
// the ratio run by run (the two were measured one after the other, so
// their spread shows how noisy the machine was).
func writeStatsCost(w io.Writer, byServer map[string][]measurement) {
	on, off := byServer["anycloud"], byServer[noStatsName]
	if len(on) == 0 || len(off) == 0 {
		return
	}
	cpu := func(m measurement) float64 { return m.CPUPerQuery }
	qps := func(m measurement) float64 { return m.QPS }
	cpuRatio := ratio(medianBy(on, cpu), medianBy(off, cpu))
	fmt.Fprintf(w, "\nCost of per-zone statistics (anycloud, on, against %s, off, in the same runs): "+
		"CPU µs/answer on/off %s, queries/s on/off %s; per run, CPU µs/answer on/off %s. ",
		noStatsName, formatRatio(cpuRatio), formatRatio(ratio(medianBy(on, qps), medianBy(off, qps))), perRunRatios(on, off, cpu))
	verdict := "within"
	if cpuRatio > 1+statsCostLimit {
		verdict = "NOT within"
	}
	fmt.Fprintf(w, "That is %s the %.0f %% the project allows.\n", verdict, 100*statsCostLimit)
}

func medianBy(runs []measurement, f func(measurement) float64) float64 {
	vals := make([]float64, len(runs))
	for i, m := range runs {
		vals[i] = f(m)
	}
	return median(vals)
}

func perRunRatios(on, off []measurement, f func(measurement) float64) string {
	var parts []string
	for i := 0; i < len(on) && i < len(off); i++ {
		r := ratio(f(on[i]), f(off[i]))
		if !math.IsNaN(r) {
			parts = append(parts, formatRatio(r))
		}
	}
	return strings.Join(parts, ", ")
}
