package monitor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigExample(t *testing.T) {
	c, err := LoadConfig("testdata/monitor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Interval != 5*time.Second || c.StaleAfter != 2*time.Minute || c.Alerts.Webhook.Retries != 5 {
		t.Fatalf("durations or webhook misread: %+v", c)
	}
	if c.Zones[0].Zone != "sv." || len(c.Zones[1].Primaries) != 2 || c.Nodes[0].Lat != -33.45 {
		t.Fatalf("zones or nodes misread: %+v %+v", c.Zones, c.Nodes)
	}
	if c.Alerts.History != 200 || c.Alerts.Webhook.Timeout != 5*time.Second || c.Alerts.Grace != 30*time.Second {
		t.Fatalf("defaults not applied: %+v", c.Alerts)
	}
	if c.Hub.key == nil || c.Hub.key.Name != "monitor-key." || c.Zones[0].key != nil {
		t.Fatalf("hub TSIG key not loaded (or a key appeared elsewhere): %+v", c.Hub)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "zones: [{zone: sv, primaries: [192.0.2.1]}]\nintervall: 5s\n", `unknown key "intervall"`},
		{"no zones", "interval: 5s\n", "no zones"},
		{"bad primary", "zones: [{zone: sv, primaries: [ns1.sv]}]\n", `zones[0].primaries[0]: "ns1.sv" is not an IP address or IP:port`},
		{"duplicate node", "zones: [{zone: sv, primaries: [192.0.2.1]}]\nnodes: [{name: a, unicast: [192.0.2.2]}, {name: a, unicast: [192.0.2.3]}]\n", "listed twice"},
		{"reserved node name", "zones: [{zone: sv, primaries: [192.0.2.1]}]\nnodes: [{name: hub, unicast: [192.0.2.2]}]\n", "reserved"},
		{"bad fraction", "zones: [{zone: sv, primaries: [192.0.2.1]}]\nexpire-warning: 2\n", "fraction"},
		{"bad duration", "zones: [{zone: sv, primaries: [192.0.2.1]}]\ninterval: often\n", "often"},
		{"missing key file", "zones: [{zone: sv, primaries: [192.0.2.1]}]\nhub: {addresses: [192.0.2.2], tsig: {name: k., algorithm: hmac-sha256, secret-file: nope.key}}\n", "hub.tsig.secret-file: TSIG key k.: open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o644)
			_, err := LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
