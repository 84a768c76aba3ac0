package main

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// options are the command-line settings of one benchmark run.
type options struct {
	origin          string
	delegations     int
	queryLines      int
	runs            int
	duration        time.Duration
	latencyDuration time.Duration
	latencyRate     int
	clients         int
	outstanding     int
	servers         []string
	scenarios       []string
	serverCPU       string
	serverCPUs      []int // serverCPU parsed, for /proc/stat
	clientCPU       string
	startTimeout    time.Duration
	workDir         string
	report          string
	anycloudBin     string
	prepareOnly     bool
	only            string // "start": start-up figures only (startonly.go)
	maxOtherLoad    float64
	retries         int
	// soak: the soak benchmark (soak_chain.go, soak_loop.go, soak_report.go) instead of the comparison.
	soak       time.Duration
	soakLoad   float64
	soakChange time.Duration
	soakReport string
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.origin, "origin", "tld.", "origin of the generated ccTLD-like zone")
	fs.IntVar(&o.delegations, "delegations", 1000000, "delegations in the generated zone")
	fs.IntVar(&o.queryLines, "query-lines", 1000000, "lines in the dnsperf query file (dnsperf loops over it)")
	fs.IntVar(&o.runs, "runs", 3, "runs per server and scenario; figures are medians")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "length of each saturating dnsperf run")
	fs.DurationVar(&o.latencyDuration, "latency-duration", 10*time.Second, "length of each fixed-rate latency run")
	fs.IntVar(&o.latencyRate, "latency-qps", 10000, "query rate of the latency run (below every server's saturation)")
	fs.IntVar(&o.clients, "clients", 10, "dnsperf -c: client sockets")
	fs.IntVar(&o.outstanding, "outstanding", 200, "dnsperf -q: queries in flight")
	servers := fs.String("servers", "nsd,knot,anycloud", "servers to measure, comma-separated (anycloud-nostats: anycloud with --stats off)")
	statsCost := fs.Bool("stats-cost", false, "also run anycloud-nostats beside anycloud and report what the statistics cost")
	scenarios := fs.String("scenarios", "plain,signed", "plain: unsigned zone without DO; signed: NSEC3 opt-out zone with DO")
	fs.StringVar(&o.serverCPU, "server-cpu", "0", "taskset CPU list of the server under test")
	fs.StringVar(&o.clientCPU, "client-cpu", "1", "taskset CPU list of dnsperf and kdig")
	fs.DurationVar(&o.startTimeout, "start-timeout", 15*time.Minute, "longest wait for a server's first answer")
	fs.StringVar(&o.workDir, "work", "bench/work", "cache of generated and signed zones")
	fs.StringVar(&o.report, "report", "docs/bench.md", "Markdown report to write; empty to skip")
	fs.StringVar(&o.anycloudBin, "anycloud-bin", "", "anycloud binary; empty builds ./cmd/anycloud")
	fs.Float64Var(&o.maxOtherLoad, "max-other-load", 35, "repeat a measurement when other work took more than this % of the server core (0: never)")
	fs.IntVar(&o.retries, "retries", 2, "repeats allowed per disturbed measurement")
	fs.DurationVar(&o.soak, "soak", 0, "run the soak benchmark for this long instead (Knot -> hub -> node, see bench/soak_chain.go)")
	fs.Float64Var(&o.soakLoad, "soak-load", 0.8, "soak query rate as a fraction of the measured maximum")
	fs.DurationVar(&o.soakChange, "soak-change", time.Second, "soak: one change at the primary this often")
	fs.StringVar(&o.soakReport, "soak-report", "", "soak: also write the figures to this Markdown file")
	fs.BoolVar(&o.prepareOnly, "prepare-only", false, "only generate and sign the zones")
	fs.StringVar(&o.only, "only", "", "start: measure only start time, CPU and peak memory to the first answer (no dnsperf)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.servers, o.scenarios = splitList(*servers), splitList(*scenarios)
	if *statsCost && !contains(o.servers, noStatsName) {
		o.servers = append(o.servers, noStatsName)
	}
	return o, o.validate()
}

func (o *options) validate() error {
	switch {
	case o.delegations < 100:
		return fmt.Errorf("--delegations must be at least 100")
	case o.runs < 1:
		return fmt.Errorf("--runs must be at least 1")
	case o.duration < time.Second || o.latencyDuration < time.Second:
		return fmt.Errorf("--duration and --latency-duration must be at least 1s")
	case len(o.servers) == 0:
		return fmt.Errorf("--servers is empty")
	case o.only != "" && o.only != "start":
		return fmt.Errorf("--only takes start")
	}
	if !strings.HasSuffix(o.origin, ".") {
		o.origin += "."
	}
	var err error
	if o.serverCPUs, err = parseCPUList(o.serverCPU); err != nil {
		return err
	}
	for _, s := range o.scenarios {
		if s != "plain" && s != "signed" {
			return fmt.Errorf("unknown scenario %q (want plain or signed)", s)
		}
	}
	return nil
}

// load is the saturating dnsperf invocation against port.
func (o *options) load(port int, queries string, dnssecOK bool) perfLoad {
	return perfLoad{Port: port, QueryFile: queries, Duration: o.duration,
		Clients: o.clients, Outstanding: o.outstanding, DNSSECOK: dnssecOK, CPU: o.clientCPU}
}

func (o *options) shape() zoneShape {
	return zoneShape{Origin: o.origin, Delegations: o.delegations, DSPercent: 30, GluePercent: 10}
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
