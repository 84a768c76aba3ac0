package main

import (
	"fmt"
	"io"
	"strings"
)

// results holds every measurement: scenario -> server -> one per run.
type results map[string]map[string][]measurement

func (r results) add(sc, server string, m measurement) {
	if r[sc] == nil {
		r[sc] = map[string][]measurement{}
	}
	r[sc][server] = append(r[sc][server], m)
}

// reportHeader is the context a reader needs to trust or redo the figures.
type reportHeader struct {
	Date, Command, Machine string
	Versions               []string
	Settings               []string
}

var scenarioTitles = map[string]string{
	"plain":  "Unsigned zone, queries without DO",
	"signed": "NSEC3 opt-out signed zone, queries with DO (dnsperf -D)",
}

// writeReport renders the header, one table of medians per scenario and
// the anycloud ratios as Markdown (also readable as plain text).
func writeReport(w io.Writer, h reportHeader, o *options, res results) {
	fmt.Fprintf(w, "# Benchmark: anycloud against NSD and Knot DNS\n\n")
	fmt.Fprintf(w, "- Date: %s\n- Command: `%s`\n- Machine: %s\n", h.Date, h.Command, h.Machine)
	for _, v := range h.Versions {
		fmt.Fprintf(w, "- %s\n", v)
	}
	for _, s := range h.Settings {
		fmt.Fprintf(w, "- %s\n", s)
	}
	for _, sc := range o.scenarios {
		fmt.Fprintf(w, "\n## %s\n\nMedians of %d runs.\n\n", scenarioTitles[sc], o.runs)
		writeMedians(w, o.servers, res[sc])
		writeRatios(w, o.servers, res[sc])
		writeStatsCost(w, res[sc])
		writeAgreement(w, o.servers, res[sc])
		writeWarnings(w, o.servers, res[sc])
	}
	writePerRun(w, o, res)
	fmt.Fprint(w, methodNotes)
}

// writePerRun lists every run's main figures, so that a reader can see
// the spread behind each median and which runs were disturbed.
func writePerRun(w io.Writer, o *options, res results) {
	fmt.Fprintf(w, "\n## Per-run figures\n\n")
	writeRow(w, []string{"scenario", "server", "run", "queries/s", "server CPU %", "other load %",
		"CPU µs/answer", "core µs/answer", "p99 ms", "start s", "AXFR records", "attempts"})
	writeRow(w, separator(12))
	for _, sc := range o.scenarios {
		for _, s := range o.servers {
			for i, m := range res[sc][s] {
				writeRow(w, []string{sc, s, fmt.Sprint(i + 1), fmt.Sprintf("%.0f", m.QPS),
					fmt.Sprintf("%.0f", m.CPUPercent), fmt.Sprintf("%.0f", m.OtherLoad),
					fmt.Sprintf("%.2f", m.CPUPerQuery), fmt.Sprintf("%.2f", m.CoreCPUPerQuery),
					fmt.Sprintf("%.3f", m.P99), fmt.Sprintf("%.2f", m.StartUp), axfrRecords(m), fmt.Sprint(m.Attempts)})
			}
		}
	}
}

func writeMedians(w io.Writer, servers []string, byServer map[string][]measurement) {
	head := []string{"server"}
	for _, f := range figures {
		head = append(head, f.Name)
	}
	writeRow(w, head)
	writeRow(w, separator(len(head)))
	for _, s := range servers {
		row := []string{s}
		for _, f := range figures {
			row = append(row, f.format(f.medianOf(byServer[s])))
		}
		writeRow(w, row)
	}
}

// writeRatios prints anycloud's median divided by each peer's median.
func writeRatios(w io.Writer, servers []string, byServer map[string][]measurement) {
	if _, ok := byServer["anycloud"]; !ok {
		return
	}
	var peers []string
	for _, s := range servers {
		if s != "anycloud" {
			peers = append(peers, s)
		}
	}
	if len(peers) == 0 {
		return
	}
	head := []string{"ratio"}
	for _, f := range figures {
		head = append(head, f.Name)
	}
	fmt.Fprintln(w)
	writeRow(w, head)
	writeRow(w, separator(len(head)))
	for _, p := range peers {
		row := []string{"anycloud/" + p}
		for _, f := range figures {
			row = append(row, formatRatio(ratio(f.medianOf(byServer["anycloud"]), f.medianOf(byServer[p]))))
		}
		writeRow(w, row)
	}
}

// writeAgreement compares the first run's sampled answers of every pair
// of servers.
func writeAgreement(w io.Writer, servers []string, byServer map[string][]measurement) {
	fmt.Fprintf(w, "\nSame answer shape (rcode, AA, owner/type per section) on sampled queries of the mix:\n\n")
	for i, a := range servers {
		for _, b := range servers[i+1:] {
			if len(byServer[a]) == 0 || len(byServer[b]) == 0 {
				continue
			}
			same, total, example := agreement(byServer[a][0].Answers, byServer[b][0].Answers)
			fmt.Fprintf(w, "- %s vs %s: %d of %d\n", a, b, same, total)
			if example != "" {
				fmt.Fprintf(w, "  - first difference: `%s`\n", example)
			}
		}
	}
}

// writeWarnings flags runs whose answers were not all NOERROR/NXDOMAIN.
func writeWarnings(w io.Writer, servers []string, byServer map[string][]measurement) {
	for _, s := range servers {
		for i, m := range byServer[s] {
			if m.BadRcodes > 0 {
				fmt.Fprintf(w, "\nWARNING: %s run %d had %d answers other than NOERROR/NXDOMAIN.\n", s, i+1, m.BadRcodes)
			}
		}
	}
}

// axfrRecords is kdig's record count (both SOAs included): equal counts
// across servers show that every transfer was complete.
func axfrRecords(m measurement) string {
	if !m.HasAXFR {
		return "n/a"
	}
	return fmt.Sprint(m.AXFRRecords)
}

func writeRow(w io.Writer, cells []string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

func separator(n int) []string {
	s := make([]string, n)
	s[0] = "---"
	for i := 1; i < n; i++ {
		s[i] = "---:"
	}
	return s
}

const methodNotes = `
## How the figures are taken

- Each server runs pinned to the server CPU with taskset, dnsperf and kdig to the client CPU, all on 127.0.0.1; each run starts the server afresh.
- queries/s, lost: dnsperf at saturation (the outstanding window of -c/-q), one thread. When "server CPU %" is well below 100, the client, not the server, was the limit, and queries/s says little; "CPU µs/answer" is then the fairer figure.
- other load %: busy time of the server's core from /proc/stat (user, system, irq, softirq, steal) minus the server's own CPU time, over the wall time of the saturating run. On a shared machine other people's compilers may land on that core; a high figure marks a disturbed run (such runs are repeated, see attempts). On a quiet machine it stays near 0: the kernel's loopback packet work runs in the server's system calls and is charged to the server.
- core µs/answer: the same busy time of the server's core divided by the answers; it equals CPU µs/answer when nothing else ran there.
- CPU µs/answer: utime+stime from /proc/PID/stat of the server and every process it forked (NSD forks), before and after the saturating run, divided by the answers dnsperf counted.
- kernel µs/answer: the stime part of CPU µs/answer: the socket path (recvmmsg, sendmmsg, loopback delivery to dnsperf), which user-space work cannot lower.
- p50/p99: a separate run at a fixed rate (dnsperf -Q, -v per-query latency), so latency is the service time, not the client's queue.
- RSS: sum of VmRSS over the server's processes after the saturating run; pages shared between NSD's forked processes are counted in each of them. PSS splits shared pages and is the fairer total.
- start s: from exec to the first authoritative SOA answer, polled every 20 ms.
- AXFR s: kdig +tcp AXFR from 127.0.0.1, allowed by ACL; anycloud serve refuses AXFR by design (n/a).
- Ratios are anycloud's median divided by the peer's: above 1 means more (better for queries/s, worse for the others).
`
