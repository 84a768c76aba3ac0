package main

import (
	"bytes"
	"strings"
	"testing"
)

// The statistics' cost is the ratio of anycloud's CPU per answer to
// anycloud-nostats', judged against the 5 % bound, with each run's ratio.
func TestWriteStatsCost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		on, off []float64 // CPU µs/answer per run
		want    []string
	}{
		{"cheap", []float64{8.2, 8.1, 8.3}, []float64{8, 8, 8},
			[]string{"CPU µs/answer on/off 1.02, queries/s on/off 1.00", "per run, CPU µs/answer on/off 1.02, 1.01, 1.04", "That is within the 5 %"}},
		{"too dear", []float64{9, 9, 9}, []float64{8, 8, 8}, []string{"on/off 1.12", "NOT within"}},
		{"only one side", nil, []float64{8}, nil},
	} {
		byServer := map[string][]measurement{}
		for _, v := range tc.on {
			byServer["anycloud"] = append(byServer["anycloud"], measurement{CPUPerQuery: v, QPS: 1000})
		}
		for _, v := range tc.off {
			byServer[noStatsName] = append(byServer[noStatsName], measurement{CPUPerQuery: v, QPS: 1000})
		}
		var buf bytes.Buffer
		writeStatsCost(&buf, byServer)
		if tc.want == nil && buf.Len() > 0 {
			t.Errorf("%s: wrote %q, want nothing", tc.name, buf.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s: %q lacks %q", tc.name, buf.String(), w)
			}
		}
	}
}
