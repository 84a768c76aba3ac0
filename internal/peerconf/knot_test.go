package peerconf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/testenv"
)

// TestKnotConfigAccepted checks that knotd's own parser accepts what the
// one Knot configuration builder writes for each of its users (test peer,
// journalled primary with TSIG, NOTIFY and ZONEMD, the bench's servers, a
// lab primary on several addresses), and that each option lands in the file.
func TestKnotConfigAccepted(t *testing.T) {
	testenv.Interop(t, "knotc")
	testenv.RequireCommand(t, "knotc")
	key := TSIGKey{Name: "k.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk="}
	tests := []struct {
		name string
		opts KnotOptions
		want []string
	}{
		{"peer", KnotOptions{Zones: []Zone{{Origin: "example.", File: "z.db"}}},
			[]string{"zonefile-load: whole", "journal-content: none", "listen: 127.0.0.1@5300"}},
		{"primary", KnotOptions{Zones: []Zone{{Origin: "example.", File: "z.db", Notify: []string{"127.0.0.1:5301"}, NotifyKey: "k."}},
			Keys: []TSIGKey{key}, ACLs: []ACL{{Address: "127.0.0.0/8", Key: "k.", Transfer: true}}, Journal: true, ZONEMD: true},
			[]string{"zonefile-load: difference", "journal-content: changes", "serial-policy: increment", "zonemd-generate: zonemd-sha384", "address: 127.0.0.1@5301", "notify: [remote0]"}},
		{"soak", KnotOptions{Zones: []Zone{{Origin: "example.", File: "z.db"}}, Journal: true, JournalMaxUsage: "64M", LogLevel: "warning"},
			[]string{"journal-max-usage: 64M", "any: warning"}},
		{"lab", KnotOptions{Zones: []Zone{{Origin: "example.", File: "z.db"}}, Listen: []string{"192.0.2.1@53", "2001:db8::1@53"}, LogTarget: `"/tmp/knot.log"`},
			[]string{"listen: [ 192.0.2.1@53, 2001:db8::1@53 ]", `target: "/tmp/knot.log"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := tc.opts
			opts.Port = 5300
			conf := KnotConfig(opts, dir)
			for _, w := range tc.want {
				if !strings.Contains(conf, w) {
					t.Errorf("config lacks %q:\n%s", w, conf)
				}
			}
			path := filepath.Join(dir, "knot.conf")
			if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("knotc", "-c", path, "conf-check").CombinedOutput(); err != nil {
				t.Errorf("knotc conf-check: %v\n%s\n%s", err, out, conf)
			}
		})
	}
}
