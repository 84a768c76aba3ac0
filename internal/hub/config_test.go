package hub

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

const goodConfig = `listen: ["127.0.0.1:5353"]
control: 127.0.0.1:8953
storage: /tmp/x
catalog: catalog.anycloud.
clients:
  - name: sv
    zones: [sv.]
    primaries: ["192.0.2.1"]
    tsig: {name: sv-key., algorithm: hmac-sha256, secret-file: client.key}
nodes:
  - name: n1
    address: 192.0.2.10:53
    tsig: {name: n1-key., algorithm: hmac-sha256, secret-file: node.key}
`

// badConfigs maps a case name to an edit of goodConfig. The exact error
// texts are in testdata/config_errors.golden.
var badConfigs = []struct{ name, from, to string }{
	{"unknown top-level key", "storage:", "storag: /x\nstorage:"},
	{"unknown client key", "    zones: [sv.]", "    zone: [sv.]"},
	{"no listen", `listen: ["127.0.0.1:5353"]`, ""},
	{"listen without port", `listen: ["127.0.0.1:5353"]`, `listen: ["127.0.0.1"]`},
	{"control not loopback", "control: 127.0.0.1:8953", "control: 192.0.2.1:8953"},
	{"no storage", "storage: /tmp/x\n", ""},
	{"bad catalog name", "catalog: catalog.anycloud.", "catalog: \"a..b\""},
	{"catalog is a client zone", "catalog: catalog.anycloud.", "catalog: sv."},
	{"bad shrink", "clients:", "gate: {max-shrink: 1.5}\nclients:"},
	{"bad duration", "clients:", "timeouts: {transfer: soon}\nclients:"},
	{"no zones", "    zones: [sv.]", "    zones: []"},
	{"duplicate zone", "    zones: [sv.]", "    zones: [sv., SV]"},
	{"bad primary", `["192.0.2.1"]`, `["primary.example:53"]`},
	{"unknown algorithm", "algorithm: hmac-sha256, secret-file: client.key", "algorithm: hmac-md5, secret-file: client.key"},
	{"missing secret file", "secret-file: client.key", "secret-file: missing.key"},
	{"secret not base64", "secret-file: client.key", "secret-file: garbage.key"},
	{"shared key name", "name: n1-key.", "name: sv-key."},
	{"duplicate node", "nodes:\n", "nodes:\n  - name: n1\n    address: 192.0.2.11\n    tsig: {name: n2-key., algorithm: hmac-sha256, secret-file: node.key}\n"},
	{"no clients", "clients:\n  - name: sv\n    zones: [sv.]\n    primaries: [\"192.0.2.1\"]\n    tsig: {name: sv-key., algorithm: hmac-sha256, secret-file: client.key}\n", "clients: []\n"},
	{"bad limits", "clients:", "limits: {max-rejected-copies: -1, max-rejected-megabytes: -2, min-notify-interval: often, max-client-records: -3, max-client-megabytes: -4, max-growth: 0.5}\nclients:"},
	{"bad client limits", "    zones: [sv.]", "    zones: [sv.]\n    limits: {max-records: -1, max-megabytes: -1, max-growth: 0.9}"},
	{"two documents", "nodes:", "---\nnodes:"},
	{"empty", goodConfig, ""},
}

func configDir(t testing.TB) string {
	dir := t.TempDir()
	for name, text := range map[string]string{"client.key": clientSecret, "node.key": nodeSecret, "garbage.key": "not base64!"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGoodConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(goodConfig), configDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Clients[0].Primaries[0] != "192.0.2.1:53" || cfg.MaxShrink != 0.5 || cfg.Nodes[0].Key.Name != "n1-key." {
		t.Fatalf("unexpected config %+v", cfg)
	}
}

// TestLimitsConfig: the storm and size limits have their defaults, the
// hub's values, and a client's own over the hub's.
func TestLimitsConfig(t *testing.T) {
	cases := []struct {
		name, limits, client string
		notify               time.Duration
		copies               int
		rejectedBytes        int64
		hub, own             SizeLimits
	}{
		{"defaults", "", "", time.Second, 10, 256 << 20,
			SizeLimits{4_000_000, 512 << 20, 10}, SizeLimits{4_000_000, 512 << 20, 10}},
		{"set", "limits: {min-notify-interval: 5s, max-rejected-copies: 3, max-rejected-megabytes: 7, max-client-records: 100, max-client-megabytes: 2, max-growth: 1.5}\n", "",
			5 * time.Second, 3, 7 << 20, SizeLimits{100, 2 << 20, 1.5}, SizeLimits{100, 2 << 20, 1.5}},
		{"client's own", "limits: {max-client-records: 100}\n", "    limits: {max-records: 900, max-growth: 30}\n",
			time.Second, 10, 256 << 20, SizeLimits{100, 512 << 20, 10}, SizeLimits{900, 512 << 20, 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(goodConfig, "clients:\n", c.limits+"clients:\n", 1)
			text = strings.Replace(text, "    zones: [sv.]\n", "    zones: [sv.]\n"+c.client, 1)
			cfg, err := ParseConfig([]byte(text), configDir(t))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MinNotifyInterval != c.notify || cfg.Rejected.MaxCopies != c.copies || cfg.Rejected.MaxBytes != c.rejectedBytes ||
				cfg.Size != c.hub || cfg.Clients[0].Size != c.own {
				t.Errorf("got notify %v, rejected %+v, hub %+v, client %+v", cfg.MinNotifyInterval, cfg.Rejected, cfg.Size, cfg.Clients[0].Size)
			}
		})
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
		_, err := ParseConfig([]byte(text), dir)
		if err == nil {
			t.Errorf("case %q: accepted", c.name)
			continue
		}
		msg := strings.ReplaceAll(err.Error(), dir, "DIR")
		fmt.Fprintf(&out, "== %s\n%s\n", c.name, msg)
	}
	golden(t, "config_errors.golden", out.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestExampleConfig checks examples/hub.yaml as 'anycloud hub --check' does.
func TestExampleConfig(t *testing.T) {
	if _, err := LoadConfig(filepath.Join("..", "..", "examples", "hub.yaml")); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseConfig: no input may panic the parser, and an accepted config is
// complete.
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
		if len(cfg.Listen) == 0 || cfg.Storage == "" || cfg.Catalog == "" || len(cfg.Clients) == 0 {
			t.Fatalf("incomplete config accepted: %+v", cfg)
		}
		for _, c := range cfg.Clients {
			if c.Key == nil || len(c.Primaries) == 0 || len(c.Zones) == 0 {
				t.Fatalf("incomplete client accepted: %+v", c)
			}
		}
	})
}
