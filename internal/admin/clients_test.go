package admin

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/hub"
	"anycloud/internal/xfr"
)

var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func keySpec(file string) xfr.KeySpec {
	return xfr.KeySpec{Name: "k.", Algorithm: "hmac-sha256", SecretFile: file}
}

// newTestAdmin is the administration of a hub that is never run, whose
// file configures the client zone file.example.
func newTestAdmin(t *testing.T) *Admin {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "client.key"), []byte("c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk=\n"), 0o600)
	cfg, err := hub.ParseConfig([]byte(`listen: ["127.0.0.1:1"]
storage: `+filepath.Join(dir, "storage")+`
catalog: catalog.anycloud.
clients:
  - name: file
    zones: [file.example.]
    primaries: ["192.0.2.1"]
    tsig: {name: file-key., algorithm: hmac-sha256, secret-file: client.key}
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return New(h)
}

// TestWithClientRules: which `client add` requests the administration
// takes, and what the administered client list becomes.
func TestWithClientRules(t *testing.T) {
	a := newTestAdmin(t)
	pair := []hub.ClientFile{{Name: "pair", Zones: []string{"a.example.", "b.example."}, Primaries: []string{"192.0.2.7"}, TSIG: keySpec("keys/pair.key")}}
	for _, tc := range []struct {
		name    string
		admin   []hub.ClientFile
		req     AddClientRequest
		wantErr string
		want    string // the last entry: name zones primaries
	}{
		{"new client, default name", nil, AddClientRequest{Zone: "new.example", Primaries: []string{"192.0.2.1"}}, "", "new.example [new.example.] [192.0.2.1]"},
		{"new client, two zones", nil, AddClientRequest{Zone: "x.", Zones: []string{"y.", "X."}, Client: "xy", Primaries: []string{"192.0.2.2"}}, "", "xy [x. y.] [192.0.2.2]"},
		{"zone of the file", nil, AddClientRequest{Zone: "file.example."}, "configured in the hub's configuration file", ""},
		{"existing without rotate", pair, AddClientRequest{Zone: "a.example."}, "--rotate", ""},
		{"rotate a missing one", nil, AddClientRequest{Zone: "c.example.", Rotate: true}, "not a client yet", ""},
		{"rotate half a shared key", pair, AddClientRequest{Zone: "a.example.", Rotate: true}, "share one key", ""},
		{"rotate both, primaries kept", pair, AddClientRequest{Zone: "a.example.", Zones: []string{"b.example."}, Rotate: true}, "", "pair [a.example. b.example.] [192.0.2.7]"},
		{"rotate both, new primaries", pair, AddClientRequest{Zone: "b.example.", Zones: []string{"a.example."}, Rotate: true, Primaries: []string{"192.0.2.9"}}, "",
			"pair [a.example. b.example.] [192.0.2.9]"},
		{"rotate across clients", append(append([]hub.ClientFile{}, pair...), hub.ClientFile{Name: "c", Zones: []string{"c.example."}}),
			AddClientRequest{Zone: "a.example.", Zones: []string{"c.example."}, Rotate: true}, "different keys", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := a.withClient(tc.admin, tc.req.ZoneList(), tc.req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			last := got[len(got)-1]
			if s := last.Name + " " + strings.Join([]string{"[" + strings.Join(last.Zones, " ") + "]", "[" + strings.Join(last.Primaries, " ") + "]"}, " "); s != tc.want {
				t.Errorf("entry %q, want %q", s, tc.want)
			}
			if len(got) != max(1, len(tc.admin)) {
				t.Errorf("%d entries from %d", len(got), len(tc.admin))
			}
		})
	}
}
