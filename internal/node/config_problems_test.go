package node

import (
	"strings"
	"testing"

	"anycloud/internal/yamlconf"
)

// TestConfigReportsEveryProblem: a file with mistakes in several sections,
// announce: included, is refused with all of them at once, each at its
// key's path; a neighbor that does not parse is reported once, not again
// as missing by the announcer's own checks.
func TestConfigReportsEveryProblem(t *testing.T) {
	dir := configDir(t)
	tests := []struct {
		name  string
		base  string
		edits [][2]string // from, to over base
		want  []string    // the problems' paths, in the order of checking
	}{
		{"hubs, timeouts, control", twoHubs, [][2]string{
			{`listen: ["127.0.0.1:53"]`, `listen: ["127.0.0.1:53", "::1"]`},
			{"catalog: catalog.anycloud.", `catalog: "a..b"`},
			{`["198.51.100.5"]`, `["hub-b.example", "192.0.2.5"]`},
			{"hmac-sha512, secret-file: node.key", "hmac-sha512, secret-file: nope.key"},
			{"hubs:", "timeouts: {transfer: soon}\ncontrol: 192.0.2.1:8954\nrrl: {slip: 11, exempt: [nope]}\ntcp: {idle-timeout: 1ms}\nhubs:"},
		}, []string{"listen[1]", "catalog", "hubs[1].addresses[0]", "hubs[1].addresses[1]", "hubs[1].tsig.secret-file",
			"timeouts.transfer", "control", "rrl.slip", "rrl.exempt[0]", "tcp.idle-timeout"}},
		{"announce", announceConfig, [][2]string{
			{"router-id: 192.0.2.1", "router-id: 2001:db8::1"},
			{"communities: [no-export], prepend: 2}", "communities: [nope], prepend: 11}"},
			{"{neighbor: 192.0.2.2, peer-as: 64501}", "{neighbor: router, peer-as: 64501, hold-time: 2s}\n    - {neighbor: 192.0.2.3}"},
			{"drain-wait: 1s", "drain-wait: 1s\n  drain-prepend: 11\n  graceful-wait: soon"},
		}, []string{
			"announce.peers[0].neighbor", "announce.peers[0].keepalive",
			"announce.graceful-wait",
			"announce.prefixes[0].prepend", "announce.prefixes[0].communities",
			"announce.drain-prepend", "announce.router-id",
			"announce.peers[0].hold-time", "announce.peers[1].peer-as",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.base
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
