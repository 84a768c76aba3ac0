package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machineInfo describes the host: CPUs, CPU model, memory and kernel.
func machineInfo() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d CPUs (nproc), %s, %s RAM, Linux %s",
		runtime.NumCPU(), procField("/proc/cpuinfo", "model name"),
		procField("/proc/meminfo", "MemTotal"), strings.TrimSpace(string(kernel)))
}

// procField returns the value of the first "key : value" line in a
// /proc text file, or "unknown".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// versions lists every program whose speed is in the report.
func versions(kinds []serverKind) []string {
	var out []string
	for _, k := range kinds {
		out = append(out, fmt.Sprintf("%s: %s", k.Name(), k.Version()))
	}
	out = append(out, "dnsperf: "+dnsperfVersion())
	out = append(out, "signer: "+firstLine(commandOutput("dnssec-signzone", "-V")))
	return out
}

// dnsperfVersion picks "Version 2.10.0" out of dnsperf's help text.
func dnsperfVersion() string {
	for _, line := range strings.Split(commandOutput("dnsperf", "-h"), "\n") {
		if strings.HasPrefix(line, "Version") {
			return strings.TrimSpace(line)
		}
	}
	return "unknown"
}

// settings lists the parameters that shape the figures.
func settings(o *options, zs *zoneSet) []string {
	return []string{
		fmt.Sprintf("Zone: %s with %d delegations (2 NS each, %d%% with DS, %d%% with in-bailiwick A+AAAA glue), apex SOA/NS/DNSKEY; signed variant NSEC3 opt-out, 0 extra iterations, no salt, ECDSAP256SHA256 (%s)",
			o.origin, o.delegations, zs.Shape.DSPercent, zs.Shape.GluePercent, fileSize(zs.Signed)),
		fmt.Sprintf("Query mix: %d lines, %d%% at or below delegations, %d%% non-existent, %d%% apex SOA/NS/DNSKEY",
			o.queryLines, mixDelegationPercent, mixNXPercent, 100-mixDelegationPercent-mixNXPercent),
		fmt.Sprintf("dnsperf: -c %d -q %d -T 1 -l %s per saturating run; latency run -Q %d for %s",
			o.clients, o.outstanding, o.duration, o.latencyRate, o.latencyDuration),
		fmt.Sprintf("CPUs: server taskset -c %s, dnsperf/kdig taskset -c %s; runs per server and scenario: %d; a run is repeated (up to %d times) when other work took more than %.0f%% of the server core",
			o.serverCPU, o.clientCPU, o.runs, o.retries, o.maxOtherLoad),
	}
}

func fileSize(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "size unknown"
	}
	return fmt.Sprintf("%.0f MB signed zone file", float64(st.Size())/1e6)
}
