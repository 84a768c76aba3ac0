package cloud

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/announce"
	"anycloud/internal/bearer"
	"anycloud/internal/hub"
	"anycloud/internal/lab"
	"anycloud/internal/monitor"
	"anycloud/internal/node"
	"anycloud/internal/testenv"
)

// TestGeneratedConfigs writes every host's configuration for the default
// topology and loads each with the reader of the program that will run it
// (Knot checks its own with knotc conf-check), without starting anything.
func TestGeneratedConfigs(t *testing.T) {
	plan, err := lab.NewPlan(lab.Default())
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	c := New("/usr/bin/anycloud")
	for _, h := range plan.Hosts {
		dir := filepath.Join(state, h.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmds, err := c.HostCommands(plan, h, dir)
		if err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		t.Run(h.Name, func(t *testing.T) { checkHost(t, h, dir, cmds) })
	}
}

func checkHost(t *testing.T, h lab.Host, dir string, cmds []lab.Command) {
	switch h.Role {
	case lab.RoleNode:
		cfg, err := node.LoadConfig(filepath.Join(dir, "node.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Hubs) != 3 || cfg.Hubs[0].Name != "hub" {
			t.Errorf("node hubs: %+v", cfg.Hubs)
		}
		if cfg.NSID != h.Name || cfg.Announce == nil || len(cfg.Announce.Service) != 2 || !cfg.Announce.Config.ManageLoopback {
			t.Errorf("node config: %+v", cfg)
		}
		checkNodeSpeaker(t, h, dir, cfg.Announce.Config, cmds)
	case lab.RoleHub:
		cfg, err := hub.LoadConfig(filepath.Join(dir, "hub.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		// Clients come from `anycloud client add` in the onboarding script.
		if len(cfg.Clients) != 0 || len(cfg.Nodes) != 3 || len(cfg.Onboarding.Nameservers) != 1 || len(cfg.Onboarding.RootServers) != 2 {
			t.Errorf("hub config: %d clients, %d nodes, onboarding %+v", len(cfg.Clients), len(cfg.Nodes), cfg.Onboarding)
		}
		// The monitor runs in the noc; each hub only accepts its key.
		if m := cfg.Monitor; m == nil || m.Enabled || m.QueryKey == nil {
			t.Errorf("hub config's monitor section: %+v", m)
		}
		// Three hubs, each replicating with the two others, and every hub
		// in the snippets' hub addresses.
		if r := cfg.Replication; r == nil || r.Name != h.Name || len(r.Peers) != 2 || len(cfg.Onboarding.HubAddresses) != 6 {
			t.Errorf("hub config's replication: %+v, hub addresses %v", r, cfg.Onboarding.HubAddresses)
		}
		want := 1 // hub2 and hub3 receive the clients through replication
		if h.Name == "hub" {
			want = 3
		}
		if len(cmds) != want || cmds[0].Name != "hub" || (want == 3 && (cmds[1].Name != "onboard" || !cmds[2].Wait)) {
			t.Errorf("%s runs %+v, want the hub (and at the first the onboarding)", h.Name, cmds)
		}
	case lab.RoleMonitor:
		var names []string
		for _, c := range cmds {
			names = append(names, c.Name)
			if !strings.HasPrefix(c.Name, "monitor") {
				continue
			}
			cfg, err := monitor.LoadConfig(filepath.Join(dir, c.Name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Zones) != 3 || cfg.Hub == nil || cfg.Alerts.Webhook == nil || !c.AfterServed {
				t.Errorf("%s: %+v", c.Name, cfg)
			}
			if c.Name == "monitor" && (len(cfg.Nodes) != 3 || cfg.Nodes[0].City == "" || len(cfg.Vantages) != 6 || cfg.Hub.Name != "hub") {
				t.Errorf("the main monitor: %+v", cfg)
			}
			for _, v := range cfg.Vantages {
				if filepath.Base(v.TokenFile) != "probe-"+v.Name+".token" {
					t.Errorf("vantage %s: token-file %q", v.Name, v.TokenFile)
				}
			}
		}
		if strings.Join(names, " ") != "webhook monitor monitor-hub2 monitor-hub3" {
			t.Errorf("noc runs %v", names)
		}
	case lab.RolePrimary, lab.RoleRoot:
		testenv.RequireCommand(t, "knotc")
		out, err := exec.Command("knotc", "-c", filepath.Join(dir, "knot.conf"), "conf-check").CombinedOutput()
		if err != nil {
			t.Fatalf("knotc conf-check: %v\n%s", err, out)
		}
	case lab.RoleClient:
		if len(cmds) != 1 || cmds[0].Name != "probe" {
			t.Fatalf("client commands %+v", cmds)
		}
		// The probe reports with its vantage's token, the one the hub's
		// monitor section names (probe-<vantage>.token beside the keys).
		argv := strings.Join(cmds[0].Argv, " ")
		tok := filepath.Join(filepath.Dir(dir), "keys", "probe-"+h.Name+".token")
		if !strings.Contains(argv, "--vantage "+h.Name+" --token-file "+tok) {
			t.Errorf("probe command %q does not send %s", argv, tok)
		}
		if _, err := bearer.ReadFile(tok); err != nil {
			t.Error(err)
		}
	}
}

// TestZoneTextParses: the generated zone is valid master-file syntax with
// one SOA carrying the serial (Knot loads it in the root lab test).
func TestZoneTextParses(t *testing.T) {
	zp := dns.NewZoneParser(strings.NewReader(ZoneText("sv.", 7)), "sv.", "sv.zone")
	soas, records := 0, 0
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		records++
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			soas++
			if soa.Serial != 7 {
				t.Errorf("serial %d, want 7", soa.Serial)
			}
		}
	}
	if err := zp.Err(); err != nil || soas != 1 || records < 50 {
		t.Fatalf("err %v, %d SOA, %d records", err, soas, records)
	}
}

// checkNodeSpeaker: Mexico City's node announces through a BIRD of its own
// with BFD (started before the node, its configuration accepted by the
// real BIRD), the others through GoBGP with two sessions.
func checkNodeSpeaker(t *testing.T, h lab.Host, dir string, c announce.Config, cmds []lab.Command) {
	if h.City != "mexico-city" {
		if c.Mode == announce.ModeBIRD || len(c.Peers) != 2 || len(cmds) != 1 {
			t.Errorf("GoBGP node: mode %q, %d peers, commands %+v", c.Mode, len(c.Peers), cmds)
		}
		return
	}
	if c.Mode != announce.ModeBIRD || c.BIRD.BFD == nil || len(cmds) != 2 || cmds[0].Name != "bird" {
		t.Fatalf("BIRD node: mode %q, bfd %+v, commands %+v", c.Mode, c.BIRD.BFD, cmds)
	}
	testenv.RequireCommand(t, "bird")
	// The command puts the withdrawn include in place before BIRD starts.
	if out, err := exec.Command("cp", filepath.Join(dir, "bird-anycloud-withdrawn.conf"), filepath.Join(dir, "bird-anycloud.conf")).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if out, err := exec.Command("bird", "-p", "-c", filepath.Join(dir, "bird.conf")).CombinedOutput(); err != nil {
		t.Errorf("bird -p: %v\n%s", err, out)
	}
}
