package hub

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/catalog"
	"anycloud/internal/monitor"
)

// A second client and a second node, valid, for reloads to add.
const (
	reloadClient = "  - name: other\n    zones: [example2.]\n    primaries: [\"127.0.0.1:1\"]\n" +
		"    tsig: {name: client2-key., algorithm: hmac-sha256, secret-file: client.key}\nnodes:\n"
	reloadNode = "nodes:\n  - {name: node2, address: 127.0.0.1:1, tsig: {name: node2-key., algorithm: hmac-sha256, secret-file: node.key}}\n"
)

// hubState is what a reload may change, to compare before and after.
type hubState struct {
	cfg           *Config
	zones         string // served origins
	catalogSerial uint32
	catalogZones  string // the catalog's members
	monitorNodes  int
	reloadOK      float64 // anycloud_hub_config_last_reload_successful
	reloadTime    float64 // anycloud_hub_config_last_reload_success_timestamp_seconds
}

func stateOf(t *testing.T, th *testHub) hubState {
	t.Helper()
	th.mu.RLock()
	zones := strings.Join(slices.Sorted(maps.Keys(th.zones)), " ")
	th.mu.RUnlock()
	cat := th.Current("catalog.anycloud.")
	parsed, err := catalog.Parse(cat)
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, m := range parsed {
		members = append(members, m.Zone)
	}
	slices.Sort(members)
	fams := scrapeHub(t, th)
	st := waitMonitor(t, th, func(monitor.Status) bool { return true })
	return hubState{cfg: th.config(), zones: zones, catalogSerial: cat.Serial(), catalogZones: strings.Join(members, " "),
		monitorNodes: len(st.Nodes),
		reloadOK:     counter(fams, "anycloud_hub_config_last_reload_successful"),
		reloadTime:   counter(fams, "anycloud_hub_config_last_reload_success_timestamp_seconds")}
}

// servesExample checks the hub still answers its node for example.
// (behaviour, not only state, is unchanged).
func servesExample(t *testing.T, th *testHub) {
	t.Helper()
	r := signedQuery(t, th.addr, th.nodeKey, dns.TypeSOA)
	if len(r.Answer) != 1 || r.Answer[0].(*dns.SOA).Serial != 1 {
		t.Errorf("the hub no longer serves example. serial 1 to its node: %v", r)
	}
}

// TestReloadRefusedLeavesHubUnchanged: a reload refused for any reason (a
// file with problems, a catalog that cannot be stored, a monitor
// configuration the monitor would refuse) leaves the running
// configuration, the served zones, the catalog and the monitor as they
// were, and sets anycloud_hub_config_last_reload_successful to 0. Before,
// the hub stored the new configuration first and started the zones it
// added before building the catalog, so a catalog it could not store left
// them running under the old configuration.
func TestReloadRefusedLeavesHubUnchanged(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(string) string
		sabotage func(t *testing.T, th *testHub)
		want     string // in the error
	}{
		{"file with problems", func(s string) string {
			s = strings.Replace(s, "\nnodes:\n", "\n"+strings.Replace(reloadClient, `"127.0.0.1:1"`, `"primary.example"`, 1), 1)
			return strings.Replace(s, "address: 127.0.0.1:", "address: node1.example:", 1)
		}, nil, "clients[1].primaries[0]: \"primary.example\" is not an IP address or IP:port\nnodes[0].address:"},
		{"catalog cannot be stored", func(s string) string {
			return strings.Replace(s, "\nnodes:\n", "\n"+reloadClient, 1)
		}, func(t *testing.T, th *testHub) {
			// The catalog's files become directories the store cannot
			// replace.
			for _, suffix := range []string{".zone", ".journal"} {
				path := filepath.Join(th.dir, "storage", "catalog.anycloud"+suffix)
				os.Remove(path)
				if err := os.MkdirAll(filepath.Join(path, "x"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
		}, "catalog: save"},
		{"monitor would refuse", func(s string) string {
			return strings.Replace(s, "\nnodes:\n", "\n"+strings.Replace(reloadNode, "name: node2", "name: hub", 1), 1)
		}, nil, `monitor: nodes[0].name: "hub" is reserved`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th, _ := startMonitoredHub(t)
			before := stateOf(t, th)
			if before.reloadOK != 1 || before.reloadTime <= 0 {
				t.Fatalf("after start: reload successful %v at %v, want 1 at the start", before.reloadOK, before.reloadTime)
			}
			if tc.sabotage != nil {
				tc.sabotage(t, th)
			}
			path := filepath.Join(th.dir, "hub.yaml")
			data, _ := os.ReadFile(path)
			edited := tc.edit(string(data))
			if edited == string(data) {
				t.Fatal("the edit changes nothing")
			}
			os.WriteFile(path, []byte(edited), 0o600)
			err := th.ReloadFile()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("reload: %v, want an error with %q", err, tc.want)
			}
			after := stateOf(t, th)
			if after.cfg != before.cfg || after.zones != before.zones || after.catalogSerial != before.catalogSerial ||
				after.catalogZones != before.catalogZones || after.monitorNodes != before.monitorNodes {
				t.Errorf("refused reload changed the hub:\nbefore %+v\nafter  %+v", before, after)
			}
			if after.reloadOK != 0 || after.reloadTime != before.reloadTime {
				t.Errorf("reload successful %v at %v, want 0 and the time of the last one taken (%v)", after.reloadOK, after.reloadTime, before.reloadTime)
			}
			servesExample(t, th)
		})
	}
}

// TestReloadTakesEffect: a good reload, after a refused one, swaps in the
// new configuration with what it implies (a zone served and in the
// catalog, a node the monitor watches), and the metric says so again.
func TestReloadTakesEffect(t *testing.T) {
	th, _ := startMonitoredHub(t)
	before := stateOf(t, th)
	path := filepath.Join(th.dir, "hub.yaml")
	good, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(good), "storage:", "storag:", 1)), 0o600)
	if err := th.ReloadFile(); err == nil {
		t.Fatal("a file with an unknown key was taken")
	}
	if st := stateOf(t, th); st.reloadOK != 0 {
		t.Fatalf("reload successful = %v after a refused reload", st.reloadOK)
	}
	time.Sleep(10 * time.Millisecond) // the timestamp moves
	edited := strings.Replace(string(good), "\nnodes:\n", "\n"+reloadClient, 1)
	edited = strings.Replace(edited, "\nnodes:\n", "\n"+reloadNode, 1)
	os.WriteFile(path, []byte(edited), 0o600)
	if err := th.ReloadFile(); err != nil {
		t.Fatal(err)
	}
	after := stateOf(t, th)
	if after.cfg == before.cfg || len(after.cfg.Clients) != 2 || th.lookup("example2.") == nil {
		t.Errorf("the new configuration is not in service: %d clients, example2. %v", len(after.cfg.Clients), th.lookup("example2."))
	}
	if after.catalogSerial == before.catalogSerial || after.catalogZones != "example. example2." {
		t.Errorf("catalog serial %d members %q, want a new serial with example. and example2.", after.catalogSerial, after.catalogZones)
	}
	if after.reloadOK != 1 || after.reloadTime <= before.reloadTime {
		t.Errorf("reload successful %v at %v, want 1 after %v", after.reloadOK, after.reloadTime, before.reloadTime)
	}
	waitMonitor(t, th, func(st monitor.Status) bool { return len(st.Nodes) == 2 })
	servesExample(t, th)
}
