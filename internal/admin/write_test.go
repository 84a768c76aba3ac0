package admin

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"anycloud/internal/hub"
	"anycloud/internal/replica"
)

// TestKeyName: only a file in the administered keys directory, named
// relative to the admin directory or by its absolute path there, is one
// the administration may delete; an operator's key file anywhere else,
// or a path climbing out, is never one.
func TestKeyName(t *testing.T) {
	root := t.TempDir()
	tx := newAdminTx(root)
	for _, tc := range []struct {
		file, want string
	}{
		{"keys/sv-key.key", "keys/sv-key.key"},
		{filepath.Join(root, "keys", "sv-key.key"), "keys/sv-key.key"},
		{"", ""},
		{"client.key", ""},
		{"/etc/anycloud/client.key", ""},
		{filepath.Join(root, "clients.yaml"), ""},
		{"keys/../clients.yaml", ""},
		{filepath.Join(root, "keys", "..", "..", "client.key"), ""},
		{"keys/sub/x.key", ""},
		{"../keys/x.key", ""},
	} {
		if got := tx.keyName(tc.file); got != tc.want {
			t.Errorf("keyName(%q) = %q, want %q", tc.file, got, tc.want)
		}
	}
}

// TestTxChange: a change records, for each file it touches, the file's
// state when first read (its precondition) and what becomes of it, in
// the order written; reading again sees the change's own writes.
func TestTxChange(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, hub.AdminNodeStates), []byte(`{"n1":"drained"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tx := newAdminTx(root)
	states := map[string]string{}
	if err := tx.readJSON(hub.AdminNodeStates, &states); err != nil || states["n1"] != "drained" {
		t.Fatalf("read %v %v", states, err)
	}
	states["n1"] = "enabled"
	if err := tx.writeJSON(hub.AdminNodeStates, states); err != nil {
		t.Fatal(err)
	}
	tx.write("keys/n2.key", []byte("secret\n"))
	tx.remove("keys/n2.key")
	if data, err := tx.read("keys/n2.key"); data != nil || err != nil {
		t.Errorf("a removed file reads %q %v", data, err)
	}
	c := tx.change()
	if len(c.Files) != 2 {
		t.Fatalf("change %+v", c.Files)
	}
	st, key := c.Files[0], c.Files[1]
	old, _ := os.ReadFile(filepath.Join(root, hub.AdminNodeStates))
	if st.Name != hub.AdminNodeStates || st.Delete || st.Base != replica.Hash(old, true) || string(st.Data) != "{\n  \"n1\": \"enabled\"\n}" {
		t.Errorf("node states change %+v", st)
	}
	if key.Name != "keys/n2.key" || !key.Delete || key.Base != replica.Hash(nil, false) {
		t.Errorf("key change %+v", key)
	}
	if !tx.needsReload() {
		t.Error("a key file changed, and no reload")
	}
}

// TestUnusedKeys: a key file is deleted only when no administered client,
// node or zone still in its grace period names it, and never when it is
// the operator's.
func TestUnusedKeys(t *testing.T) {
	root := t.TempDir()
	tx := newAdminTx(root)
	if err := tx.writeYAML(hub.AdminClients, []hub.ClientFile{{Name: "sv", TSIG: keySpec("keys/sv.key")}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.writeYAML(hub.AdminNodes, []hub.NodeFile{{Name: "n1", TSIG: keySpec(filepath.Join(root, "keys", "n1.key"))}}); err != nil {
		t.Fatal(err)
	}
	remaining := map[string]hub.RemovedZone{
		"kept.":   {KeyFile: "keys/kept.key"},
		"purged.": {KeyFile: "keys/purged.key", PurgedAt: fixedTime},
	}
	got, err := unusedKeys(tx, []string{"keys/sv.key", "keys/n1.key", "keys/kept.key", "keys/purged.key", "keys/gone.key", "keys/gone.key", "/etc/anycloud/op.key"}, remaining)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"keys/purged.key", "keys/gone.key"}; !slices.Equal(got, want) {
		t.Errorf("unused %v, want %v", got, want)
	}
}
