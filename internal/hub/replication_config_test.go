package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplicationConfig: the replication section is peer-facing and
// bounded: a short or oversized secret, too many peers, an unreachable
// or duplicate address, a bad name are each refused with the field named.
func TestReplicationConfig(t *testing.T) {
	dir := configDir(t)
	os.WriteFile(filepath.Join(dir, "cluster.key"), []byte(clusterSecret+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "short.key"), []byte("short\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "huge.key"), []byte(strings.Repeat("x", maxSecretBytes+1)), 0o600)
	section := func(name, listen, secret string, peers int) string {
		s := fmt.Sprintf("replication:\n  name: %s\n  listen: %q\n  secret-file: %s\n  peers:\n", name, listen, secret)
		for i := range peers {
			s += fmt.Sprintf("    - {name: p%d, address: \"192.0.2.%d:7400\"}\n", i, i+1)
		}
		return s
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"good", section("hub-a", "198.51.100.1:7400", "cluster.key", 2), ""},
		{"short secret", section("hub-a", "198.51.100.1:7400", "short.key", 2), "replication.secret-file: the secret is 5 bytes"},
		{"huge secret", section("hub-a", "198.51.100.1:7400", "huge.key", 2), "replication.secret-file: more than 4096 bytes"},
		{"too many peers", section("hub-a", "198.51.100.1:7400", "cluster.key", maxPeers+1), "replication.peers: 9 peers, more than 8"},
		{"no peers", section("hub-a", "198.51.100.1:7400", "cluster.key", 0), "replication.peers: at least one"},
		{"unspecified", section("hub-a", "0.0.0.0:7400", "cluster.key", 1), "replication.listen: 0.0.0.0:7400: the other hubs need"},
		{"own address", section("hub-a", "192.0.2.1:7400", "cluster.key", 1), "replication.peers[0].address: \"192.0.2.1:7400\" is listed twice"},
		{"own name", section("p0", "198.51.100.1:7400", "cluster.key", 1), "replication.peers[0].name: \"p0\" is listed twice"},
		{"bad name", section("hub a", "198.51.100.1:7400", "cluster.key", 1), "replication.name: \"hub a\" is not a name"},
	} {
		cfg, err := ParseConfig([]byte(goodConfig+tc.yaml), dir)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && (cfg.Replication == nil || len(cfg.Replication.Peers) != 2 || string(cfg.Replication.Secret) != clusterSecret):
			t.Errorf("%s: %+v", tc.name, cfg.Replication)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
