package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"anycloud/internal/node"
)

// TestHubBackupRestoreCommands: `hub backup FILE` writes a 0600 file from
// a running hub; `hub restore FILE --config` puts it into a fresh hub's
// storage (and refuses the same storage twice); the restored hub answers
// the node's state query with the node's existing key.
func TestHubBackupRestoreCommands(t *testing.T) {
	_, control := startTestHub(t)
	out := filepath.Join(t.TempDir(), "node-lima")
	if code := run(context.Background(), []string{"node", "add", "node-lima", "--control", control, "--city", "Lima", "--country", "PE", "--unicast", "203.0.113.20",
		"--asn", "64501", "--peer", "203.0.113.9,64506", "--out", out}); code != 0 {
		t.Fatalf("node add exited %d", code)
	}
	if code := run(context.Background(), []string{"node", "disable", "node-lima", "--control", control}); code != 0 {
		t.Fatalf("node disable exited %d", code)
	}
	file := filepath.Join(t.TempDir(), "hub.tar.gz")
	if code := run(context.Background(), []string{"hub", "backup", file, "--control", control}); code != 0 {
		t.Fatalf("hub backup exited %d", code)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v, want mode 0600", st, err)
	}

	dir := t.TempDir()
	dnsAddr, control2 := freeAddr(t), freeAddr(t)
	conf := fmt.Sprintf("listen: [%q]\ncontrol: %s\nstorage: %s\ncatalog: catalog.anycloud.\n"+
		"onboarding: {nameservers: [ns.anycloud.test.], service: [\"198.51.100.53\"]}\n", dnsAddr, control2, filepath.Join(dir, "storage"))
	path := filepath.Join(dir, "hub.yaml")
	os.WriteFile(path, []byte(conf), 0o600)
	if code := run(context.Background(), []string{"hub", "restore", file, "--config", path}); code != 0 {
		t.Fatalf("hub restore exited %d", code)
	}
	if code := run(context.Background(), []string{"hub", "restore", file, "--config", path}); code != 1 {
		t.Fatalf("a second restore onto the same storage exited %d, want 1", code)
	}
	startHubFromConfig(t, path)
	ncfg, err := node.LoadConfig(filepath.Join(out, "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := askState(t, dnsAddr, ncfg); got != "disabled" {
		t.Fatalf("the node asks the restored hub with its existing key: %q", got)
	}
}
