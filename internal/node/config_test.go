package node

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const goodConfig = `listen: ["127.0.0.1:53"]
nsid: node1
storage: /tmp/node
catalog: catalog.anycloud.
hub:
  addresses: ["192.0.2.5:5353"]
  tsig: {name: n1-key., algorithm: hmac-sha256, secret-file: node.key}
`

var badConfigs = []struct{ name, from, to string }{
	{"unknown key", "nsid: node1", "nsdi: node1"},
	{"unknown hub key", "  addresses:", "  address:"},
	{"no listen", `listen: ["127.0.0.1:53"]`, ""},
	{"bad listen", `["127.0.0.1:53"]`, `["localhost:53"]`},
	{"no storage", "storage: /tmp/node\n", ""},
	{"no catalog", "catalog: catalog.anycloud.\n", ""},
	{"no hub address", `  addresses: ["192.0.2.5:5353"]`, "  addresses: []"},
	{"bad hub address", `["192.0.2.5:5353"]`, `["hub.example"]`},
	{"missing key file", "secret-file: node.key", "secret-file: nope.key"},
	{"bad algorithm", "hmac-sha256", "sha256"},
	{"bad duration", "hub:", "timeouts: {min-refresh: -1s}\nhub:"},
	{"empty", goodConfig, ""},
}

func configDir(t testing.TB) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "node.key"), []byte(nodeSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGoodConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(goodConfig), configDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hubs[0] != "192.0.2.5:5353" || cfg.Catalog != "catalog.anycloud." || cfg.Key.Name != "n1-key." {
		t.Fatalf("unexpected config %+v", cfg)
	}
}

func TestBadConfigsGolden(t *testing.T) {
	dir := configDir(t)
	var out strings.Builder
	for _, c := range badConfigs {
		text := strings.Replace(goodConfig, c.from, c.to, 1)
		if text == goodConfig && c.from != goodConfig {
			t.Fatalf("case %q does not change the config", c.name)
		}
		if _, err := ParseConfig([]byte(text), dir); err == nil {
			t.Errorf("case %q: accepted", c.name)
		} else {
			fmt.Fprintf(&out, "== %s\n%s\n", c.name, strings.ReplaceAll(err.Error(), dir, "DIR"))
		}
	}
	path := filepath.Join("testdata", "config_errors.golden")
	if *update {
		os.WriteFile(path, []byte(out.String()), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, out.String(), want)
	}
}

func TestExampleConfig(t *testing.T) {
	if _, err := LoadConfig(filepath.Join("..", "..", "examples", "node.yaml")); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add(goodConfig)
	for _, c := range badConfigs {
		f.Add(strings.Replace(goodConfig, c.from, c.to, 1))
	}
	dir := configDir(f)
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := ParseConfig([]byte(text), dir)
		if err != nil {
			return
		}
		if len(cfg.Listen) == 0 || cfg.Storage == "" || len(cfg.Hubs) == 0 || cfg.Key == nil {
			t.Fatalf("incomplete config accepted: %+v", cfg)
		}
	})
}
