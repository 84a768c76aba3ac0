package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// axfrResult is one whole-zone transfer as kdig saw it.
type axfrResult struct {
	Took    time.Duration
	Records int64
}

var kdigSummary = regexp.MustCompile(`;; Received \d+ B \((\d+) messages?, (\d+) records?\)`)

// timeAXFR transfers the zone over TCP from loopback (the servers allow
// 127.0.0.1 by ACL) with kdig pinned to the client core, and checks from
// kdig's summary that the transfer completed.
func timeAXFR(ctx context.Context, origin string, port int, cpu string, timeout time.Duration) (axfrResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", "-c", cpu, "kdig",
		"@127.0.0.1", "-p", strconv.Itoa(port), "+tcp", "+stats", origin, "AXFR")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return axfrResult{}, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return axfrResult{}, fmt.Errorf("kdig: %w", err)
	}
	var tail []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// kdig prints every record even with +noall; keep only its
		// ";;" status and summary lines.
		if line := sc.Text(); strings.HasPrefix(line, ";;") {
			tail = append(tail, line)
		}
	}
	if err := cmd.Wait(); err != nil {
		return axfrResult{}, fmt.Errorf("kdig AXFR: %w: %s", err, strings.Join(tail, "\n"))
	}
	took := time.Since(start)
	m := kdigSummary.FindStringSubmatch(strings.Join(tail, "\n"))
	if m == nil {
		return axfrResult{}, fmt.Errorf("kdig AXFR did not complete: %s", strings.Join(tail, "\n"))
	}
	records, _ := strconv.ParseInt(m[2], 10, 64)
	return axfrResult{Took: took, Records: records}, nil
}
