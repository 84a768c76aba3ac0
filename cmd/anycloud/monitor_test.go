package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"anycloud/internal/monitor"
)

func TestMonitorCheck(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("zones: [{zone: sv, primaries: [192.0.2.1]}]\nstale: 1m\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"the example is valid", []string{"monitor", "--config", "../../internal/monitor/testdata/monitor.yaml", "--check"}, 0},
		{"an unknown key fails", []string{"monitor", "--config", bad, "--check"}, 1},
		{"no config is a usage error", []string{"monitor"}, 2},
		{"probe needs a target", []string{"probe"}, 2},
		{"probe reporting needs a vantage", []string{"probe", "--target", "127.0.0.1", "--report", "http://127.0.0.1:1"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(context.Background(), tc.args); got != tc.want {
				t.Errorf("anycloud %v exited %d, want %d", tc.args, got, tc.want)
			}
		})
	}
}

// status reads a monitor's API, in a table or as JSON.
func TestStatusReadsTheAPI(t *testing.T) {
	m := monitor.New(monitor.Config{Zones: []monitor.ZoneConfig{{Zone: "sv.", Primaries: []string{"127.0.0.1:1"}}}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	for _, args := range [][]string{{"status", "--url", srv.URL}, {"status", "--url", srv.URL, "--json"}} {
		if got := run(context.Background(), args); got != 0 {
			t.Errorf("anycloud %v exited %d", args, got)
		}
	}
	if got := run(context.Background(), []string{"status", "--url", "http://127.0.0.1:1"}); got != 1 {
		t.Errorf("status of an unreachable monitor exited %d, want 1", got)
	}
}
