package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// perfLoad is one dnsperf invocation. Rate 0 means as fast as the
// outstanding-query window allows (saturation).
type perfLoad struct {
	Port        int
	QueryFile   string
	Duration    time.Duration
	Clients     int
	Outstanding int
	DNSSECOK    bool // -D: set the DO bit (implies EDNS0)
	Rate        int  // -Q: queries per second, 0 for unlimited
	Verbose     bool // -v: one line per answer, for latency percentiles
	CPU         string
}

func (l perfLoad) args() []string {
	a := []string{"-c", l.CPU, "dnsperf",
		"-s", "127.0.0.1", "-p", strconv.Itoa(l.Port), "-d", l.QueryFile,
		"-l", strconv.FormatFloat(l.Duration.Seconds(), 'f', -1, 64),
		"-c", strconv.Itoa(l.Clients), "-q", strconv.Itoa(l.Outstanding),
		"-T", "1", // one sender/receiver pair: the client has one core
		"-t", "2", // an answer later than 2 s counts as lost
		"-b", "4096", // 4 MiB socket buffers so the client itself drops nothing
	}
	if l.DNSSECOK {
		a = append(a, "-D")
	}
	if l.Rate > 0 {
		a = append(a, "-Q", strconv.Itoa(l.Rate))
	}
	if l.Verbose {
		a = append(a, "-v")
	}
	return a
}

// perfResult is what dnsperf's closing statistics say.
type perfResult struct {
	Sent, Completed, Lost int64
	QPS                   float64
	ResponseBytes         float64 // average response size
	Rcodes                map[string]int64
	Latencies             []float64 // seconds, only with Verbose
}

// runDnsperf runs dnsperf pinned to its core (taskset execs it), sending
// its output to a file: parsing it while it runs would steal the client's
// CPU. The file is removed after parsing.
func runDnsperf(ctx context.Context, l perfLoad, dir string) (perfResult, error) {
	out, err := os.CreateTemp(dir, "dnsperf-*.out")
	if err != nil {
		return perfResult{}, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	return dnsperfTo(ctx, l, out)
}

// dnsperfTo runs dnsperf with l's arguments and extra ones, its output
// going to out, then parses out from its start.
func dnsperfTo(ctx context.Context, l perfLoad, out *os.File, extra ...string) (perfResult, error) {
	// Bounded: dnsperf stops itself after -l; allow for the timeout window.
	ctx, cancel := context.WithTimeout(ctx, l.Duration+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", append(l.args(), extra...)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return perfResult{}, fmt.Errorf("dnsperf: %w", err)
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return perfResult{}, err
	}
	return parseDnsperf(out)
}

var (
	statLine  = regexp.MustCompile(`^\s*(Queries sent|Queries completed|Queries lost|Queries per second):\s+([0-9.]+)`)
	rcodePart = regexp.MustCompile(`([A-Z]+) ([0-9]+) \(`)
	sizeLine  = regexp.MustCompile(`Average packet size:\s+request \d+, response (\d+)`)
)

// parseDnsperf reads dnsperf 2.x output: the "Statistics:" block and, with
// -v, lines "> RCODE name TYPE latency" (timeouts read "> T name TYPE").
func parseDnsperf(r io.Reader) (perfResult, error) {
	res := perfResult{Rcodes: map[string]int64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	seenStats := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "> ") {
			res.addVerbose(line)
			continue
		}
		if m := statLine.FindStringSubmatch(line); m != nil {
			seenStats = true
			res.setStat(m[1], m[2])
		}
		if m := sizeLine.FindStringSubmatch(line); m != nil {
			res.ResponseBytes, _ = strconv.ParseFloat(m[1], 64)
		}
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Response codes:"); ok {
			for _, m := range rcodePart.FindAllStringSubmatch(rest, -1) {
				res.Rcodes[m[1]], _ = strconv.ParseInt(m[2], 10, 64)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return res, err
	}
	if !seenStats {
		return res, fmt.Errorf("dnsperf printed no statistics")
	}
	return res, nil
}

func (res *perfResult) setStat(name, value string) {
	switch name {
	case "Queries sent":
		res.Sent, _ = strconv.ParseInt(value, 10, 64)
	case "Queries completed":
		res.Completed, _ = strconv.ParseInt(value, 10, 64)
	case "Queries lost":
		res.Lost, _ = strconv.ParseInt(value, 10, 64)
	case "Queries per second":
		res.QPS, _ = strconv.ParseFloat(value, 64)
	}
}

// addVerbose keeps the latency of an answered query; "> T ..." lines are
// timeouts and carry no latency.
func (res *perfResult) addVerbose(line string) {
	f := strings.Fields(line)
	if len(f) != 5 || f[1] == "T" {
		return
	}
	if v, err := strconv.ParseFloat(f[4], 64); err == nil {
		res.Latencies = append(res.Latencies, v)
	}
}

// unexpectedRcodes sums answers other than NOERROR and NXDOMAIN: a
// server that answers REFUSED or SERVFAIL fast must not look good.
func (res perfResult) unexpectedRcodes() int64 {
	var n int64
	for code, c := range res.Rcodes {
		if code != "NOERROR" && code != "NXDOMAIN" {
			n += c
		}
	}
	return n
}
