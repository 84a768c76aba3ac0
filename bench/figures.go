package main

import (
	"fmt"
	"math"
)

// figure is one column of the report: how to read it from a measurement
// and how to print it.
type figure struct {
	Name   string
	Format string // fmt verb for the median
	Value  func(measurement) (float64, bool)
}

func always(f func(measurement) float64) func(measurement) (float64, bool) {
	return func(m measurement) (float64, bool) { return f(m), true }
}

// figures lists the report's columns in order.
var figures = []figure{
	{"queries/s", "%.0f", always(func(m measurement) float64 { return m.QPS })},
	{"server CPU %", "%.0f", always(func(m measurement) float64 { return m.CPUPercent })},
	{"other load %", "%.0f", always(func(m measurement) float64 { return m.OtherLoad })},
	{"CPU µs/answer", "%.2f", always(func(m measurement) float64 { return m.CPUPerQuery })},
	{"kernel µs/answer", "%.2f", always(func(m measurement) float64 { return m.SysPerQuery })},
	{"core µs/answer", "%.2f", always(func(m measurement) float64 { return m.CoreCPUPerQuery })},
	{"lost", "%.0f", always(func(m measurement) float64 { return float64(m.Lost) })},
	{"resp B", "%.0f", always(func(m measurement) float64 { return m.RespBytes })},
	{"p50 ms", "%.3f", always(func(m measurement) float64 { return m.P50 })},
	{"p99 ms", "%.3f", always(func(m measurement) float64 { return m.P99 })},
	{"RSS MiB", "%.0f", always(func(m measurement) float64 { return m.RSS })},
	{"PSS MiB", "%.0f", always(func(m measurement) float64 { return m.PSS })},
	{"start s", "%.2f", always(func(m measurement) float64 { return m.StartUp })},
	{"AXFR s", "%.2f", func(m measurement) (float64, bool) { return m.AXFR, m.HasAXFR }},
}

// medianOf is the median of one figure over runs; NaN when no run has it.
func (f figure) medianOf(runs []measurement) float64 {
	var vals []float64
	for _, m := range runs {
		if v, ok := f.Value(m); ok {
			vals = append(vals, v)
		}
	}
	return median(vals)
}

func (f figure) format(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf(f.Format, v)
}

func formatRatio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", r)
}
