package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The golden files are real dnsperf 2.10 output, trimmed.
func TestParseDnsperf(t *testing.T) {
	tests := []struct {
		file                  string
		sent, completed, lost int64
		qps, respBytes        float64
		noerror, nxdomain     int64
		latencies             []float64
	}{
		{"dnsperf-saturation.txt", 336526, 336219, 307, 67125.766053, 473, 269177, 67042, nil},
		{"dnsperf-verbose.txt", 230280, 229974, 306, 45945.711602, 472, 184126, 45848,
			[]float64{0.000250, 0.000189, 0.000153, 0.000043, 0.000167}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := parseDnsperf(f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Sent != tc.sent || res.Completed != tc.completed || res.Lost != tc.lost {
				t.Errorf("sent/completed/lost = %d/%d/%d, want %d/%d/%d",
					res.Sent, res.Completed, res.Lost, tc.sent, tc.completed, tc.lost)
			}
			if res.QPS != tc.qps || res.ResponseBytes != tc.respBytes {
				t.Errorf("qps %v resp %v, want %v %v", res.QPS, res.ResponseBytes, tc.qps, tc.respBytes)
			}
			if res.Rcodes["NOERROR"] != tc.noerror || res.Rcodes["NXDOMAIN"] != tc.nxdomain || res.unexpectedRcodes() != 0 {
				t.Errorf("rcodes %v", res.Rcodes)
			}
			if !slices.Equal(res.Latencies, tc.latencies) {
				t.Errorf("latencies %v, want %v", res.Latencies, tc.latencies)
			}
		})
	}
}

func TestParseDnsperfWithoutStatistics(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "dnsperf-aborted.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := parseDnsperf(f); err == nil {
		t.Fatal("want an error for output without statistics")
	}
}

func TestUnexpectedRcodes(t *testing.T) {
	res := perfResult{Rcodes: map[string]int64{"NOERROR": 5, "NXDOMAIN": 3, "REFUSED": 7, "SERVFAIL": 1}}
	if got := res.unexpectedRcodes(); got != 8 {
		t.Fatalf("unexpectedRcodes = %d, want 8", got)
	}
}
