package monitor

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/yamlconf"
)

// FuzzProbeReport posts whatever a probe (or anyone who reaches the
// monitor) might send to POST /api/v1/probes: no body panics the monitor,
// a refused one gets 400 or 404 with a reason, and the status API stays
// valid JSON afterwards.
func FuzzProbeReport(f *testing.F) {
	for _, s := range []string{
		`{"vantage":"bogota","results":[{"target":"198.51.100.53:53","transport":"udp","nsid":"node-bogota","rtt_ms":1.5}]}`,
		`{"vantage":"bogota","results":[{"target":"x","transport":"tcp","error":"i/o timeout","rtt_ms":-1e308}]}`,
		`{"vantage":"lima"}`,
		`{"vantage":"bogota","results":null}`,
		`{"vantage":"bogota","results":[{}, {}, {}]}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	m := New(Config{
		Zones:    []ZoneConfig{{Zone: "sv.", Primaries: []string{"127.0.0.1:1"}}},
		Vantages: []Vantage{{Name: "bogota", City: "Bogotá", Lat: 4.71, Lon: -74.07, token: fuzzToken}},
	}, quietLog())
	h := m.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/v1/probes", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fuzzToken) // the parser and recorder past the token
		h.ServeHTTP(w, req)
		switch code := w.Code; code {
		case http.StatusNoContent:
		case http.StatusBadRequest, http.StatusNotFound:
			if w.Body.Len() == 0 {
				t.Fatalf("%d without a reason for %q", code, body)
			}
		default:
			t.Fatalf("probe report %q: %d %s", body, code, w.Body.String())
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/status", nil))
		if w.Code != http.StatusOK || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("status after the report %q: %d %s", body, w.Code, w.Body.String())
		}
	})
}

const fuzzToken = "0123456789abcdef0123456789abcdef"

// FuzzLoadConfig: the standalone monitor's YAML configuration; no input
// panics the loader, and an accepted one has zones and sane timers.
func FuzzLoadConfig(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", "monitor.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("zones: [{zone: sv, primaries: [\"[2001:db8::1]:53\"]}]\ninterval: -1s\n"))
	f.Add([]byte("zones: []\n"))
	key, _ := os.ReadFile(filepath.Join("testdata", "monitor.key"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "monitor.key"), key, 0o600)
		path := filepath.Join(dir, "monitor.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadConfig(path)
		if err != nil {
			return
		}
		if len(c.Zones) == 0 || c.Interval <= 0 || c.Timeout <= 0 {
			t.Fatalf("incomplete config accepted: %+v", c)
		}
	})
}

// TestNegativePeriodsRefused is FuzzLoadConfig's crasher as a regression
// test: "interval: -1s" was accepted and panicked the monitor's ticker at
// start (in the hub too, through its monitor: section).
func TestNegativePeriodsRefused(t *testing.T) {
	for _, field := range []string{"interval", "timeout", "stale-after", "stats-interval"} {
		c := Config{Zones: []ZoneConfig{{Zone: "sv.", Primaries: []string{"192.0.2.1"}}}}
		if err := yamlconf.Decode([]byte(field+": -1s\n"), &c); err != nil {
			t.Fatal(err)
		}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), field+": -1s is negative") {
			t.Errorf("%s: -1s: %v", field, err)
		}
	}
}
