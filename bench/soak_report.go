package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

type soakFigures struct {
	MaxQPS        float64
	Rate          int
	Load          perfResult
	Changes       int
	Seen          int
	Missing       []uint32 // serials the node never served
	MissingData   []int    // changes whose record the node does not serve at the end: lost updates
	Serials       int      // changes whose serial was read back from Knot
	HubAccepted   int      // committed serials the hub accepted as versions
	NodeApplied   int      // committed serials the node applied (its log) or was seen serving
	FinalOK       bool
	Propagation   []time.Duration // Knot commit to first seen at the node
	RSS           map[string][]int64
	LogErrors     map[string]int
	ChangeErrors  int
	Duration      time.Duration
	Delegations   int
	ChangeEvery   time.Duration
	SharedMachine string
}

// problems lists what makes the soak fail.
func (f *soakFigures) problems() []string {
	var out []string
	if f.Load.Lost > 0 {
		out = append(out, fmt.Sprintf("%d queries lost", f.Load.Lost))
	}
	if n := f.Load.unexpectedRcodes(); n > 0 {
		out = append(out, fmt.Sprintf("%d answers with an unexpected rcode %v", n, f.Load.Rcodes))
	}
	if len(f.MissingData) > 0 {
		out = append(out, fmt.Sprintf("%d changes lost: their records are not served at the end %v", len(f.MissingData), f.MissingData))
	}
	if !f.FinalOK {
		out = append(out, "the node does not serve the primary's last serial and data")
	}
	if f.ChangeErrors > 0 {
		out = append(out, fmt.Sprintf("%d changes failed at the primary", f.ChangeErrors))
	}
	for name, n := range f.LogErrors {
		if n != 0 {
			out = append(out, fmt.Sprintf("%s logged %d errors", name, n))
		}
	}
	if g := growth(f.RSS["node"]); g > 0.25 {
		out = append(out, fmt.Sprintf("node memory grew %.0f%% from the second minute to the end", 100*g))
	}
	return out
}

// growth compares the mean of the last 6 RSS samples (the last minute) with
// that of samples 6..11 (the second minute, after warm-up).
func growth(s []int64) float64 {
	if len(s) < 18 {
		return 0
	}
	early, late := mean(s[6:12]), mean(s[len(s)-6:])
	return (late - early) / early
}

func mean(s []int64) float64 {
	var sum int64
	for _, v := range s {
		sum += v
	}
	return float64(sum) / float64(len(s))
}

func durationPercentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func (f *soakFigures) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Soak: %v at %.0f%% of the maximum, one change every %v\n\n", f.Duration, 100*float64(f.Rate)/f.MaxQPS, f.ChangeEvery)
	fmt.Fprintf(&b, "Chain: Knot DNS primary -> anycloud hub -> anycloud node, loopback, zone of %d delegations.\n", f.Delegations)
	fmt.Fprintf(&b, "Load average at the start: %s (shared machine, 2 cores).\n\n", f.SharedMachine)
	fmt.Fprintf(&b, "| figure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| maximum rate (dnsperf, primary quiet) | %.0f q/s |\n", f.MaxQPS)
	fmt.Fprintf(&b, "| soak rate | %d q/s |\n", f.Rate)
	fmt.Fprintf(&b, "| queries sent / completed / lost | %d / %d / %d |\n", f.Load.Sent, f.Load.Completed, f.Load.Lost)
	fmt.Fprintf(&b, "| achieved rate | %.0f q/s |\n", f.Load.QPS)
	fmt.Fprintf(&b, "| rcodes | %v |\n", f.Load.Rcodes)
	fmt.Fprintf(&b, "| changes committed at Knot | %d |\n", f.Changes)
	fmt.Fprintf(&b, "| changes whose record the node does not serve at the end (lost updates) | %d %v |\n", len(f.MissingData), f.MissingData)
	fmt.Fprintf(&b, "| serials read back from Knot / accepted by the hub / applied by the node / seen by the 50 ms poll | %d / %d / %d / %d |\n", f.Serials, f.HubAccepted, f.NodeApplied, f.Seen)
	fmt.Fprintf(&b, "| serials the node never served (a later transfer carried them) | %v |\n", f.Missing)
	fmt.Fprintf(&b, "| change to node, p50 / p99 / max | %v / %v / %v |\n",
		durationPercentile(f.Propagation, 0.5).Round(time.Millisecond), durationPercentile(f.Propagation, 0.99).Round(time.Millisecond),
		durationPercentile(f.Propagation, 1).Round(time.Millisecond))
	fmt.Fprintf(&b, "| node serves the last serial and data at the end | %v |\n", f.FinalOK)
	fmt.Fprintf(&b, "| ERROR lines logged (node, hub) | %d, %d |\n", f.LogErrors["node"], f.LogErrors["hub"])
	for _, name := range []string{"node", "hub"} {
		s := f.RSS[name]
		if len(s) == 0 {
			continue
		}
		lo, hi := s[0], s[0]
		for _, v := range s {
			lo, hi = min(lo, v), max(hi, v)
		}
		fmt.Fprintf(&b, "| %s RSS first / min / max / last (MiB), growth 2nd min to last | %.0f / %.0f / %.0f / %.0f, %+.1f%% |\n",
			name, mib(s[0]), mib(lo), mib(hi), mib(s[len(s)-1]), 100*growth(s))
	}
	fmt.Fprintf(&b, "\nRSS every 10 s (node, MiB): %s\n", rssSeries(f.RSS["node"]))
	fmt.Fprintf(&b, "RSS every 10 s (hub, MiB): %s\n", rssSeries(f.RSS["hub"]))
	return b.String()
}

func mib(kb int64) float64 { return float64(kb) / 1024 }

func rssSeries(s []int64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprintf("%.0f", mib(v))
	}
	return strings.Join(parts, " ")
}
