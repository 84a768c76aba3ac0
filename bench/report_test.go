package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestWriteReportGolden renders a fixed set of measurements: medians of
// three runs, ratios against both peers, n/a for anycloud's AXFR.
func TestWriteReportGolden(t *testing.T) {
	o := &options{runs: 3, servers: []string{"nsd", "knot", "anycloud"}, scenarios: []string{"plain"}}
	res := results{}
	for i, f := range []float64{1, 2, 3} {
		res.add("plain", "nsd", measurement{QPS: 100000 * f, CPUPercent: 90, CPUPerQuery: 8 + f, P99: f,
			RSS: 1500, PSS: 800, StartUp: 8, AXFR: 7, AXFRRecords: 3400000, HasAXFR: true, Attempts: 1,
			Answers: []answerShape{"a", "b"}})
		res.add("plain", "knot", measurement{QPS: 120000, CPUPercent: 95, CPUPerQuery: 7, P99: 0.5,
			RSS: 450, PSS: 450, StartUp: 6, AXFR: 8, AXFRRecords: 3400000, HasAXFR: true, Attempts: i + 1,
			Answers: []answerShape{"a", "b"}})
		res.add("plain", "anycloud", measurement{QPS: 110000, CPUPercent: 96, CPUPerQuery: 8, P99: 0.25,
			RSS: 216, PSS: 215, StartUp: 8, Attempts: 1, BadRcodes: int64(i),
			Answers: []answerShape{"a", "c"}})
	}
	h := reportHeader{Date: "2026-11-27 00:00 UTC", Command: "go run ./bench", Machine: "2 CPUs",
		Versions: []string{"nsd: NSD version 4.6.1"}, Settings: []string{"Zone: tld."}}
	var buf bytes.Buffer
	writeReport(&buf, h, o, res)
	golden := filepath.Join("testdata", "report.golden.md")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("report differs from %s (run with -update to accept):\n%s", golden, buf.String())
	}
}
