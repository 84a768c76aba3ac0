package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"anycloud/internal/bearer"
	"anycloud/internal/monitor"
)

func init() {
	register(command{name: "probe", summary: "ask the anycast addresses which node answers (catchment probe)", run: runProbe})
}

type probeArgs struct {
	vantage, report string
	tokenFile       string
	targets         []string
	zones           []string
	tcp, asJSON     bool
	interval        time.Duration
	count           int
	timeout         time.Duration
}

func parseProbeArgs(args []string) (*probeArgs, error) {
	a := &probeArgs{}
	fs := newFlagSet("probe", "--target ADDR[,ADDR] [--vantage NAME --report URL] [flags]",
		"anycloud probe --vantage santiago --target 198.51.100.53,2001:db8:53::53 --report http://127.0.0.1:8053 --token-file /etc/anycloud/probe.token --interval 30s")
	fs.Func("target", "anycast address(es) to probe, ADDR or ADDR:PORT, comma-separated (repeatable)", func(s string) error {
		a.targets = append(a.targets, strings.Split(s, ",")...)
		return nil
	})
	fs.Func("zones", "also ask each zone a small query mix (SOA, NS, A, AAAA, DNSKEY, a missing name) at every target over UDP, comma-separated", func(s string) error {
		a.zones = append(a.zones, strings.Split(s, ",")...)
		return nil
	})
	fs.StringVar(&a.vantage, "vantage", "", "this probe host's vantage name, as in the monitor's config")
	fs.StringVar(&a.report, "report", "", "monitor URL to post results to (e.g. http://127.0.0.1:8053)")
	fs.StringVar(&a.tokenFile, "token-file", "", "with --report: this vantage's token, as the monitor's vantages: token-file (mode 0600)")
	fs.BoolVar(&a.tcp, "tcp", true, "also probe over TCP")
	fs.BoolVar(&a.asJSON, "json", false, "print results as JSON")
	fs.DurationVar(&a.interval, "interval", 0, "probe again every interval until stopped (0: once)")
	fs.IntVar(&a.count, "count", 0, "with --interval, stop after this many rounds (0: no limit)")
	fs.DurationVar(&a.timeout, "timeout", 2*time.Second, "per query")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if len(a.targets) == 0 || (a.report != "" && (a.vantage == "" || a.tokenFile == "")) {
		fs.Usage()
		return nil, errUsage
	}
	return a, nil
}

func runProbe(ctx context.Context, args []string) error {
	a, err := parseProbeArgs(args)
	if err != nil {
		return err
	}
	token := ""
	if a.report != "" {
		// Read once, before any probing: a bad file is a usage error.
		if token, err = bearer.ReadFile(a.tokenFile); err != nil {
			return err
		}
	}
	transports := []string{"udp"}
	if a.tcp {
		transports = append(transports, "tcp")
	}
	for round := 1; ; round++ {
		results := monitor.ProbeAnycast(a.targets, transports, a.timeout)
		if err := printProbe(results, a.asJSON); err != nil {
			return err
		}
		if len(a.zones) > 0 {
			if err := printZoneChecks(monitor.CheckZones(a.zones, a.targets, round, a.timeout), a.asJSON); err != nil {
				return err
			}
		}
		if a.report != "" {
			if err := monitor.PostProbe(ctx, a.report, token, monitor.ProbeReport{Vantage: a.vantage, Results: results}); err != nil {
				fmt.Fprintln(os.Stderr, "anycloud probe:", err)
			}
		}
		if a.interval == 0 || (a.count > 0 && round >= a.count) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(a.interval):
		}
	}
}

func printProbe(results []monitor.ProbeResult, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(results)
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tTRANSPORT\tNODE\tRTT\tERROR")
	for _, r := range results {
		rtt := "-"
		if r.Error == "" {
			rtt = fmt.Sprintf("%.1f ms", r.RTTms)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Address, r.Transport, r.NSID, rtt, r.Error)
	}
	return tw.Flush()
}

func printZoneChecks(checks []monitor.ZoneCheck, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(checks)
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ZONE\tTARGET\tNODE\tSERIAL\tANSWERED\tERROR")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d/%d\t%s\n", c.Zone, c.Address, c.NSID, c.Serial, c.Answers, c.Sent, c.Error)
	}
	return tw.Flush()
}
