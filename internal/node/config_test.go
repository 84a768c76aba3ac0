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

// twoHubs is goodConfig in the hubs: form, two hubs with their own keys.
const twoHubs = `listen: ["127.0.0.1:53"]
nsid: node1
storage: /tmp/node
catalog: catalog.anycloud.
hubs:
  - name: hub-a
    addresses: ["192.0.2.5:5353", "[2001:db8::5]:5353"]
    tsig: {name: n1-key., algorithm: hmac-sha256, secret-file: node.key}
  - name: hub-b
    addresses: ["198.51.100.5"]
    tsig: {name: n1-b-key., algorithm: hmac-sha512, secret-file: node.key}
`

var badHubs = []struct{ name, from, to string }{
	{"hub and hubs", "hubs:", "hub: {addresses: [192.0.2.9], tsig: {name: k., algorithm: hmac-sha256, secret-file: node.key}}\nhubs:"},
	{"no hubs", twoHubs[strings.Index(twoHubs, "hubs:"):], "hubs: []\n"},
	{"hub without name", "  - name: hub-b\n", "  - name: \"\"\n"},
	{"same name twice", "name: hub-b", "name: hub-a"},
	{"address of two hubs", `["198.51.100.5"]`, `["192.0.2.5:53"]`},
	{"second hub bad address", `["198.51.100.5"]`, `["hub-b.example"]`},
	{"second hub no address", `["198.51.100.5"]`, `[]`},
	{"second hub bad key", "hmac-sha512, secret-file: node.key", "hmac-sha512, secret-file: nope.key"},
	{"unknown hubs key", "    addresses: [\"198", "    address: [\"198"},
	{"nine hubs", "hubs:\n", "hubs:\n" + strings.Repeat("  - {name: x, addresses: [192.0.2.1], tsig: {name: k., algorithm: hmac-sha256, secret-file: node.key}}\n", 7)},
}

func TestTwoHubsConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(twoHubs), configDir(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"hub-a 192.0.2.5:5353,[2001:db8::5]:5353 n1-key.", "hub-b 198.51.100.5:53 n1-b-key."}
	var got []string
	for _, h := range cfg.Hubs {
		got = append(got, h.String()+" "+h.Key.Name)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("hubs %q, want %q", got, want)
	}
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
	if len(cfg.Hubs) != 1 || cfg.Hubs[0].Name != "hub" || cfg.Hubs[0].Addrs[0] != "192.0.2.5:5353" || cfg.Catalog != "catalog.anycloud." || cfg.Hubs[0].Key.Name != "n1-key." {
		t.Fatalf("unexpected config %+v", cfg)
	}
}

func TestBadConfigsGolden(t *testing.T) {
	dir := configDir(t)
	var out strings.Builder
	type bad struct{ name, base, from, to string }
	var cases []bad
	for _, c := range badConfigs {
		cases = append(cases, bad{c.name, goodConfig, c.from, c.to})
	}
	for _, c := range badHubs {
		cases = append(cases, bad{"hubs: " + c.name, twoHubs, c.from, c.to})
	}
	for _, c := range cases {
		text := strings.Replace(c.base, c.from, c.to, 1)
		if text == c.base && c.from != c.base {
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
	f.Add(twoHubs)
	for _, c := range badConfigs {
		f.Add(strings.Replace(goodConfig, c.from, c.to, 1))
	}
	for _, c := range badHubs {
		f.Add(strings.Replace(twoHubs, c.from, c.to, 1))
	}
	dir := configDir(f)
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := ParseConfig([]byte(text), dir)
		if err != nil {
			return
		}
		if len(cfg.Listen) == 0 || cfg.Storage == "" || len(cfg.Hubs) == 0 || len(cfg.Hubs) > maxHubs {
			t.Fatalf("incomplete config accepted: %+v", cfg)
		}
		for _, h := range cfg.Hubs {
			if h.Name == "" || len(h.Addrs) == 0 || h.Key == nil {
				t.Fatalf("incomplete hub accepted: %+v", h)
			}
		}
	})
}
