package peerconf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/testenv"
)

// TestNSDConfigAccepted checks that nsd-checkconf accepts what the one NSD
// configuration builder writes for its users (test peer, secondary with
// TSIG and NOTIFY, rate-limited peer, the bench's competitor with its log
// file), and that each option lands in the file.
func TestNSDConfigAccepted(t *testing.T) {
	testenv.Interop(t, "nsd-checkconf")
	testenv.RequireCommand(t, "nsd-checkconf")
	key := TSIGKey{Name: "k.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk="}
	tests := []struct {
		name string
		opts NSDOptions
		want []string
	}{
		{"peer", NSDOptions{Zones: []Zone{{Origin: "example.", File: "z.db"}}, Identity: Identity{Identity: "id", NSID: "n"}},
			[]string{"ip-address: 127.0.0.1@5300", "rrl-ratelimit: 0", `identity: "id"`, `nsid: "6e"`}},
		{"secondary", NSDOptions{Zones: []Zone{{Origin: "example.", Primary: "127.0.0.1:5301", PrimaryKey: "k.", Notify: []string{"127.0.0.1:5302"}}},
			Keys: []TSIGKey{key}, ACLs: []ACL{{Address: "127.0.0.0/8", Key: "k.", Transfer: true}}},
			[]string{"request-xfr: 127.0.0.1@5301 k.", "allow-notify: 127.0.0.1 k.", "notify: 127.0.0.1@5302 NOKEY", "provide-xfr: 127.0.0.0/8 k."}},
		{"rrl", NSDOptions{Zones: []Zone{{Origin: "example.", File: "z.db"}}, RRLRatelimit: 10, RRLSlip: 3, MinimalResponses: true},
			[]string{"rrl-ratelimit: 10", "rrl-slip: 3", "minimal-responses: yes"}},
		{"bench", NSDOptions{Zones: []Zone{{Origin: "example.", File: "z.db"}}, ACLs: []ACL{{Address: "127.0.0.1", Transfer: true}}, LogFile: "/tmp/nsd.log"},
			[]string{`logfile: "/tmp/nsd.log"`, "provide-xfr: 127.0.0.1 NOKEY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := tc.opts
			opts.Port = 5300
			conf := NSDConfig(opts, dir)
			for _, w := range tc.want {
				if !strings.Contains(conf, w) {
					t.Errorf("config lacks %q:\n%s", w, conf)
				}
			}
			path := filepath.Join(dir, "nsd.conf")
			if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("nsd-checkconf", path).CombinedOutput(); err != nil {
				t.Errorf("nsd-checkconf: %v\n%s\n%s", err, out, conf)
			}
		})
	}
}
