package hub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/yamlconf"
)

// TestConfigReportsEveryProblem: a file with mistakes in several sections
// is refused with all of them at once, each at its key's path, so the
// operator fixes the file in one go.
func TestConfigReportsEveryProblem(t *testing.T) {
	dir := configDir(t)
	if err := os.WriteFile(filepath.Join(dir, "short.secret"), []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edits [][2]string // from, to over goodConfig
		want  []string    // the problems' paths, in the file's order of checking
	}{
		{"top level, client and node", [][2]string{
			{`listen: ["127.0.0.1:5353"]`, `listen: ["127.0.0.1"]`},
			{"control: 127.0.0.1:8953", "control: 192.0.2.1:8953"},
			{`primaries: ["192.0.2.1"]`, `primaries: ["192.0.2.1", "primary.example"]`},
			{"secret-file: client.key", "secret-file: missing.key"},
			{"address: 192.0.2.10:53", "address: node.example"},
		}, []string{"listen[0]", "control", "clients[0].primaries[1]", "clients[0].tsig.secret-file", "nodes[0].address"}},
		{"sections", [][2]string{
			{"clients:\n", `timeouts: {transfer: soon, max-refresh: -1h}
tcp: {max-connections: -1}
limits: {max-growth: 0.5}
monitor: {interval: -1s, nodes: [{name: n9}]}
onboarding: {service: [anycast.example], removal-grace: never}
replication: {name: "hub 1", listen: "0.0.0.0:9000", secret-file: short.secret, peers: [{name: hub2, address: "192.0.2.2"}]}
clients:
`},
		}, []string{
			"timeouts.transfer", "timeouts.max-refresh", "limits.max-growth", "tcp.max-connections",
			"monitor.nodes[0].name", "monitor.interval", "onboarding.service[0]", "onboarding.removal-grace",
			"replication.name", "replication.listen", "replication.secret-file", "replication.peers[0].address",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := goodConfig
			for _, e := range tc.edits {
				if !strings.Contains(text, e[0]) {
					t.Fatalf("edit %q does not apply", e[0])
				}
				text = strings.Replace(text, e[0], e[1], 1)
			}
			_, err := ParseConfig([]byte(text), dir)
			if got := yamlconf.Fields(err); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("problems at %q, want %q; error:\n%v", got, tc.want, err)
			}
			t.Logf("reported:\n%v", err)
		})
	}
}
