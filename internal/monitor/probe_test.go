package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/yamlconf"
)

// tokenFile writes a vantage's token file (mode 0600) and returns its path.
func tokenFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".token")
	if err := os.WriteFile(p, []byte(strings.Repeat(name[:1], 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProbeReportsNeedTheVantageToken: a report is taken only with its own
// vantage's token; without one, with a wrong one, with another vantage's,
// for a vantage that has no token file, or from another site's web page,
// it is refused and records nothing (no catchment change, no alert).
func TestProbeReportsNeedTheVantageToken(t *testing.T) {
	cfg := Config{
		Zones: []ZoneConfig{{Zone: "sv.", Primaries: []string{"127.0.0.1:1"}}},
		Vantages: []Vantage{
			{Name: "bogota", TokenFile: tokenFile(t, "bogota")},
			{Name: "lima", TokenFile: tokenFile(t, "lima")},
			{Name: "quito"}, // no token file
		},
	}
	if err := cfg.LoadProbeTokens(""); err != nil {
		t.Fatal(err)
	}
	m := New(cfg, quietLog())
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	bogota, lima := cfg.Vantages[0].token, cfg.Vantages[1].token
	for _, tc := range []struct {
		name    string
		vantage string
		header  map[string]string
		code    int
	}{
		{"no token", "bogota", nil, http.StatusUnauthorized},
		{"wrong token", "bogota", map[string]string{"Authorization": "Bearer " + strings.Repeat("x", 40)}, http.StatusUnauthorized},
		{"another vantage's token", "bogota", map[string]string{"Authorization": "Bearer " + lima}, http.StatusUnauthorized},
		{"vantage without token file", "quito", map[string]string{"Authorization": "Bearer " + bogota}, http.StatusForbidden},
		{"cross-site page with the token", "bogota", map[string]string{"Authorization": "Bearer " + bogota, "Origin": "http://evil.example"}, http.StatusForbidden},
		{"browser form post", "bogota", map[string]string{"Origin": "null", "Content-Type": "text/plain"}, http.StatusForbidden},
		{"own token", "bogota", map[string]string{"Authorization": "Bearer " + bogota}, http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(ProbeReport{Vantage: tc.vantage, Results: []ProbeResult{{Address: "198.51.100.53", Transport: "udp", NSID: "forged-" + tc.vantage}}})
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/probes", bytes.NewReader(body))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Errorf("answered %d, want %d", resp.StatusCode, tc.code)
			}
			recorded := 0
			for _, v := range m.Snapshot().Vantages {
				if v.Node != "" {
					recorded++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.code == http.StatusNoContent]; recorded != want {
				t.Errorf("%d vantages with a recorded answer, want %d", recorded, want)
			}
		})
	}
}

// What `anycloud probe` does: ask the "anycast" address which node answers
// (a real engine with an NSID), over UDP and TCP, and post it to a monitor.
func TestProbeAndPostToMonitor(t *testing.T) {
	node := startEngine(t, "node-bogota", "sv.", 1)
	cfg := Config{
		Zones:    []ZoneConfig{{Zone: "sv.", Primaries: []string{node.addr}}},
		Vantages: []Vantage{{Name: "bogota", City: "Bogotá", Lat: 4.71, Lon: -74.07, TokenFile: tokenFile(t, "bogota")}},
	}
	if err := cfg.LoadProbeTokens(""); err != nil {
		t.Fatal(err)
	}
	m := New(cfg, quietLog())
	token := cfg.Vantages[0].token
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	results := ProbeAnycast([]string{node.addr, closedAddr(t)}, []string{"udp", "tcp"}, 500*time.Millisecond)
	if len(results) != 4 {
		t.Fatalf("want 4 results, got %+v", results)
	}
	for _, r := range results[:2] {
		if r.NSID != "node-bogota" || r.Error != "" || r.RTTms <= 0 {
			t.Errorf("probe of the node over %s: %+v", r.Transport, r)
		}
	}
	for _, r := range results[2:] {
		if r.Error == "" {
			t.Errorf("probe of a closed port over %s succeeded: %+v", r.Transport, r)
		}
	}
	if err := PostProbe(context.Background(), srv.URL, token, ProbeReport{Vantage: "bogota", Results: results}); err != nil {
		t.Fatal(err)
	}
	if v := m.Snapshot().Vantages[0]; v.Node != "node-bogota" || len(v.Results) != 4 {
		t.Fatalf("vantage after the post: %+v", v)
	}
	if err := PostProbe(context.Background(), srv.URL, token, ProbeReport{Vantage: "lima"}); err == nil {
		t.Fatal("a probe from an unknown vantage was accepted")
	}
}

// LoadProbeTokens reads each vantage's token file (relative to baseDir),
// as the monitor's and the hub's configuration readers do.
func (c *Config) LoadProbeTokens(baseDir string) error {
	var p yamlconf.Problems
	c.CheckProbeTokens(&p, baseDir)
	return p.Err()
}
