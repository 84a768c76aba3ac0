package lab

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"anycloud/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestDefaultTopologyIsValid(t *testing.T) {
	topo := Default()
	if err := topo.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []string{"santiago", "sao-paulo", "san-jose", "santo-domingo", "mexico-city", "bogota"}
	for i, c := range topo.Cities {
		if c.Slug != want[i] {
			t.Errorf("city %d = %s, want %s", i, c.Slug, want[i])
		}
	}
}

func TestRouterConfigGolden(t *testing.T) {
	plan, err := NewPlan(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, city := range []string{"mexico-city", "santiago"} {
		t.Run(city, func(t *testing.T) {
			got, err := plan.RouterConfig(city, "/run/anycloud/lab/router-"+city)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "bird-"+city+".conf")
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("config differs from %s:\n%s", golden, got)
			}
			checkBIRDParses(t, got)
		})
	}
}

// checkBIRDParses asks the real BIRD to parse the configuration.
func checkBIRDParses(t *testing.T, conf string) {
	t.Helper()
	if !testenv.HasCommand(t, "bird") {
		return
	}
	f := filepath.Join(t.TempDir(), "bird.conf")
	os.WriteFile(f, []byte(conf), 0o644)
	if out, err := exec.Command("bird", "-p", "-c", f).CombinedOutput(); err != nil {
		t.Errorf("bird -p: %v\n%s", err, out)
	}
}

// TestPlanHubsAndNoc: the further hubs and the noc are attached after every
// other host, so the addresses of the hosts of a one-hub lab stay where
// they were; the hubs are hub, hub2, hub3 in their cities.
func TestPlanHubsAndNoc(t *testing.T) {
	plan, err := NewPlan(Default())
	if err != nil {
		t.Fatal(err)
	}
	one := Default()
	one.MoreHubs, one.Monitor = nil, ""
	before, err := NewPlan(one)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range before.Hosts {
		got, ok := plan.Host(h.Name)
		if !ok || fmt.Sprint(got.Addresses) != fmt.Sprint(h.Addresses) {
			t.Errorf("%s moved: %v, was %v", h.Name, got.Addresses, h.Addresses)
		}
	}
	for name, want := range map[string]struct{ role, city, addr string }{
		"hub":  {RoleHub, "sao-paulo", "203.0.113.42"},
		"hub2": {RoleHub, "bogota", "203.0.113.166"},
		"hub3": {RoleHub, "santiago", "203.0.113.6"},
		"noc":  {RoleMonitor, "san-jose", "203.0.113.74"},
	} {
		h, ok := plan.Host(name)
		if !ok || h.Role != want.role || h.City != want.city || h.Addresses[0].String() != want.addr {
			t.Errorf("%s: %+v, want %+v", name, h, want)
		}
	}
}
