package monitor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/yamlconf"
)

// TestConfigReportsEveryProblem: a monitor file with several mistakes is
// refused with all of them at once, each at its key's path (the monitor
// used to stop at the first).
func TestConfigReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"zones and hub", `interval: -1s
stale-after: -5m
zones:
  - {zone: sv, primaries: [192.0.2.1, ns1.sv]}
  - {zone: SV., primaries: []}
hub: {addresses: [hub.example], tsig: {name: k., algorithm: hmac-sha256, secret-file: nope.key}}
`, []string{"interval", "stale-after", "zones[0].primaries[1]", "zones[1].primaries", "hub.addresses[0]", "hub.tsig.secret-file"}},
		{"nodes, alerts, vantages", `zones: [{zone: sv, primaries: [192.0.2.1]}]
expire-warning: 2
nodes:
  - {name: hub, unicast: [192.0.2.2]}
  - {name: a, unicast: [192.0.2.3], metrics-url: "not a url"}
  - {name: a, unicast: []}
alerts: {webhook: {url: "nope"}}
vantages: [{name: v1, token-file: nope.token}]
`, []string{"nodes[0].name", "nodes[1].metrics-url", "nodes[2].name", "nodes[2].unicast", "expire-warning", "alerts.webhook.url", "vantages[0].token-file"}},
		{"no zones", "timeout: -1s\n", []string{"zones", "timeout"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "monitor.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(path)
			if got := yamlconf.Fields(err); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("problems at %q, want %q; error:\n%v", got, tc.want, err)
			}
			t.Logf("reported:\n%v", err)
		})
	}
}
