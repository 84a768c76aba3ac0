package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// missingKind is a server whose binary cannot exist.
type missingKind struct{ nsdKind }

func (missingKind) Tool() (string, string) { return "no-such-dns-server-xyz", "no-such-package" }

func TestCheckToolsNamesPackage(t *testing.T) {
	err := checkTools([]serverKind{missingKind{}})
	if err == nil {
		t.Fatal("want an error for a missing server binary")
	}
	for _, want := range []string{"no-such-dns-server-xyz", "apt-get install", "no-such-package"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestNewServerKind(t *testing.T) {
	tests := []struct {
		name    string
		wantErr bool
	}{{"nsd", false}, {"knot", false}, {"anycloud", false}, {"bind", true}}
	for _, tc := range tests {
		k, err := newServerKind(tc.name, "/bin/anycloud")
		if (err != nil) != tc.wantErr || (err == nil && k.Name() != tc.name) {
			t.Errorf("newServerKind(%q) = %v, %v", tc.name, k, err)
		}
	}
}

func TestServerConfigsListenOnLoopbackOnly(t *testing.T) {
	for _, k := range []serverKind{nsdKind{}, knotKind{}, anycloudKind{bin: "anycloud"}} {
		dir := t.TempDir()
		argv, err := k.Command(dir, "tld.", "/zones/tld.zone", 5399)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(argv, " ") + readConfigs(t, dir)
		if !strings.Contains(all, "127.0.0.1") || !strings.Contains(all, "5399") {
			t.Errorf("%s: no 127.0.0.1 port 5399 in %q", k.Name(), all)
		}
		if strings.Contains(all, "0.0.0.0") || strings.Contains(all, "::") {
			t.Errorf("%s: listens beyond loopback: %q", k.Name(), all)
		}
	}
}

func readConfigs(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range []string{"nsd.conf", "knot.conf"} {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			b.Write(data)
		}
	}
	return b.String()
}
